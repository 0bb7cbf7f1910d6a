# berth: fetch a release bundle from SSM Parameter Store by its manifest, check it, unpack it.
# POSIX sh that only defines functions: the user-data (a new host's first boot) and berth's SSM
# document (every release) embed this text and call fetch_release. Changing it changes the
# user-data, so it does as little as it can; everything else comes in the bundle.
#
#   fetch_release MANIFEST DIR   MANIFEST is "region sha256 name:version ..." (infra/release/bundle.ts);
#                                the parts are read at exactly those versions, joined, checked
#                                against the sha256, and unpacked into DIR/files.
berth_fetch_fail() {
  echo "berth: FAILED: $*" >&2
  exit 1
}
# berth_parameter REGION NAME: prints the parameter's value; retries a few times (a new instance
# profile's credentials can take seconds to be usable).
berth_parameter() {
  berth_try=0
  while :; do
    if AWS_PAGER='' aws ssm get-parameter --region "$1" --name "$2" --query Parameter.Value --output text; then return 0; fi
    berth_try=$((berth_try + 1))
    [ "$berth_try" -lt 5 ] || return 1
    sleep $((berth_try * 2))
  done
}
fetch_release() {
  berth_dir=$2
  # The manifest's pattern (the document's allowedPattern) lets through only letters, digits,
  # / . _ - : and single spaces, so splitting it into words is its parse.
  # shellcheck disable=SC2086
  set -- $1
  berth_region=$1 berth_sha=$2
  shift 2
  mkdir -p "$berth_dir/files"
  : >"$berth_dir/bundle.b64"
  for berth_ref in "$@"; do
    berth_parameter "$berth_region" "$berth_ref" >>"$berth_dir/bundle.b64" ||
      berth_fetch_fail "could not read release part $berth_ref from SSM in $berth_region; check the instance role"
  done
  base64 -d "$berth_dir/bundle.b64" >"$berth_dir/bundle.tgz" 2>/dev/null || berth_fetch_fail "the release parts are not base64"
  echo "$berth_sha  $berth_dir/bundle.tgz" | sha256sum -c --status ||
    berth_fetch_fail "the release bundle does not match its sha256 $berth_sha (a part changed since the manifest was written)"
  tar -xzf "$berth_dir/bundle.tgz" -C "$berth_dir/files" --no-same-owner || berth_fetch_fail "could not unpack the release bundle"
}
