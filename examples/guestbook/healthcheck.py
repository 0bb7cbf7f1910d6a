"""The image's HEALTHCHECK: exits 0 when GET /up answers 200 (the slim image has no curl)."""

import os
import sys
import urllib.error
import urllib.request

url = f"http://127.0.0.1:{os.environ.get('PORT', '5000')}/up"
try:
    with urllib.request.urlopen(url, timeout=2) as res:
        sys.exit(0 if res.status == 200 else 1)
except (urllib.error.URLError, OSError) as e:
    print(f"healthcheck: {url}: {e}", file=sys.stderr)
    sys.exit(1)
