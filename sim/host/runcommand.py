#!/usr/bin/env python3
"""One aws:runShellScript step, run on a sim host the way the SSM agent runs it.

SimHost.runDocument (sim/world.ts) plays the rest of the agent: it checks the
document and its parameters, substitutes them, and calls this once per step with the step's
lines on stdin. This does what agent/plugins/runscript and agent/executers do on Linux:

  - writes the lines to STEP_DIR/_script.sh (0700; folders 0700), as CreateScriptFile does;
  - runs `sh -c STEP_DIR/_script.sh ''` as root, in a process group of its own (Setpgid), in
    WORKING_DIR, with the environment of the agent's unit (PATH, LANG) plus AWS_SSM_INSTANCE_ID
    and AWS_SSM_REGION_NAME, stdin empty;
  - copies its stdout and stderr into STEP_DIR/stdout and STEP_DIR/stderr (appending) through
    pipes, so, as with the agent, a background process that keeps them open keeps the step
    running;
  - after TIMEOUT_S, kills the whole process group with SIGKILL and reports exit code 137 (the
    agent's CommandStoppedPreemptivelyExitCode); a script killed by a signal reports -1.

Prints one JSON line: exitCode, start and end (epoch ms), stdout, stderr.

Usage: runcommand.py STEP_DIR WORKING_DIR TIMEOUT_S INSTANCE_ID REGION <script-lines
"""
import json
import os
import signal
import subprocess
import sys
import threading
import time

step_dir, working_dir, timeout_s, instance_id, region = sys.argv[1:6]
os.makedirs(step_dir, mode=0o700, exist_ok=True)
script = os.path.join(step_dir, "_script.sh")
with open(os.open(script, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o700), "w") as f:
    f.write(sys.stdin.read())

env = {
    "PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
    "LANG": "C.UTF-8",
    "AWS_SSM_INSTANCE_ID": instance_id,
    "AWS_SSM_REGION_NAME": region,
}
captured = {"stdout": bytearray(), "stderr": bytearray()}


def copy(stream, name):
    with open(os.open(os.path.join(step_dir, name), os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600), "wb") as out:
        for chunk in iter(lambda: stream.read1(65536), b""):
            out.write(chunk)
            out.flush()
            captured[name] += chunk


start = time.time()
deadline = start + int(timeout_s)
proc = subprocess.Popen(["sh", "-c", script, ""], cwd=working_dir, env=env, stdin=subprocess.DEVNULL,
                        stdout=subprocess.PIPE, stderr=subprocess.PIPE, process_group=0)
copiers = [threading.Thread(target=copy, args=(proc.stdout, "stdout"), daemon=True),
           threading.Thread(target=copy, args=(proc.stderr, "stderr"), daemon=True)]
for t in copiers:
    t.start()

timed_out = False
try:
    proc.wait(timeout=max(0, deadline - time.time()))
    for t in copiers:
        t.join(timeout=max(0, deadline - time.time()))
    timed_out = any(t.is_alive() for t in copiers)
except subprocess.TimeoutExpired:
    timed_out = True
if timed_out:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait()
    for t in copiers:
        t.join(timeout=1)
    exit_code = 137
else:
    exit_code = proc.returncode if proc.returncode >= 0 else -1
end = time.time()

json.dump({"exitCode": exit_code, "start": int(start * 1000), "end": int(end * 1000),
           "stdout": captured["stdout"].decode("utf-8", "replace"),
           "stderr": captured["stderr"].decode("utf-8", "replace")}, sys.stdout)
