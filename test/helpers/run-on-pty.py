"""Runs a command on a pseudo-terminal and prints everything it drew, raw.

Argument: JSON {argv, env, cwd, cols, rows, steps: [{wait_for, send, delay}]}. Each step
waits until the screen output so far contains `wait_for`, sleeps `delay` seconds and
types `send` (a Ctrl-C is "\\u0003"). Exits with the command's exit code (128 + signal
when it was killed by one).
"""
import fcntl
import json
import os
import pty
import select
import struct
import sys
import termios
import time

config = json.loads(sys.argv[1])
pid, fd = pty.fork()
if pid == 0:
    fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", config["rows"], config["cols"], 0, 0))
    os.chdir(config["cwd"])
    os.execve(config["argv"][0], config["argv"], config["env"])

output = b""
steps = list(config.get("steps", []))
while True:
    if steps and steps[0]["wait_for"].encode() in output:
        step = steps.pop(0)
        time.sleep(step.get("delay", 0))
        os.write(fd, step["send"].encode())
    ready, _, _ = select.select([fd], [], [], 0.05)
    if not ready:
        continue
    try:
        chunk = os.read(fd, 65536)
    except OSError:
        break
    if not chunk:
        break
    output += chunk

_, status = os.waitpid(pid, 0)
sys.stdout.buffer.write(output)
sys.stdout.flush()
sys.exit(os.WEXITSTATUS(status) if os.WIFEXITED(status) else 128 + os.WTERMSIG(status))
