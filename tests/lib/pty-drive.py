#!/usr/bin/python3
"""Run a command on a fresh pseudo-terminal and drive it like a user would.

usage: pty-drive.py [--size ROWSxCOLS] [--timeout SEC] [--log FILE] STEP... -- COMMAND [ARG...]

The command gets a new session whose controlling terminal is the pty's
slave (stdin, stdout and stderr), with the window size given. Steps run in
order:
  send:TEXT       type TEXT (Python escapes: \\x10, \\n, \\r)
  expect:REGEX    wait until the output so far (since the last expect that
                  matched) matches REGEX
  resize:RxC      change the window size (the kernel sends SIGWINCH)
  sleep:SEC
  touch:PATH      create PATH (to signal another driver)
  waitfile:PATH   wait until PATH exists
  mode:raw        check that the terminal is in raw mode now (no ICANON, ECHO,
                  ISIG), as a client holding it for a container's pty sets it;
  mode:cooked     or that it is not
  exit            wait for the command to exit
After the steps (an implicit `exit` ends them), the driver checks that the
terminal's mode is what it was before the command ran: a command that left
it raw is an error.

Prints the whole output on stdout (with --log, also to FILE as it comes) and
exits with the command's status (128+N for signal N). 97: an expect or wait
timed out; 98: the terminal mode was not restored.
"""
import fcntl
import os
import re
import select
import struct
import sys
import termios
import time


def set_size(fd, rows, cols):
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))


def main():
    args = sys.argv[1:]
    rows, cols, timeout, log = 24, 80, 20.0, None
    steps = []
    while args and args[0] != "--":
        a = args.pop(0)
        if a == "--size":
            rows, cols = (int(x) for x in args.pop(0).split("x"))
        elif a == "--timeout":
            timeout = float(args.pop(0))
        elif a == "--log":
            log = open(args.pop(0), "wb", buffering=0)
        else:
            steps.append(a)
    if not args or len(args) < 2:
        sys.exit(__doc__)
    cmd = args[1:]

    master, slave = os.openpty()
    set_size(slave, rows, cols)
    before = termios.tcgetattr(slave)
    pid = os.fork()
    if pid == 0:
        os.close(master)
        os.setsid()
        fcntl.ioctl(slave, termios.TIOCSCTTY, 0)
        for fd in (0, 1, 2):
            os.dup2(slave, fd)
        if slave > 2:
            os.close(slave)
        try:
            os.execvp(cmd[0], cmd)
        finally:
            os._exit(127)

    out = bytearray()
    mark = 0
    status = None

    def pump(wait):
        nonlocal status
        r, _, _ = select.select([master], [], [], wait)
        if r:
            try:
                data = os.read(master, 65536)
            except OSError:
                data = b""
            out.extend(data)
            if log:
                log.write(data)
        if status is None:
            p, st = os.waitpid(pid, os.WNOHANG)
            if p == pid:
                status = os.waitstatus_to_exitcode(st)
                if status < 0:
                    status = 128 - status

    def fail(what):
        sys.stdout.buffer.write(bytes(out))
        sys.stderr.write("pty-drive: %s\n--- output so far ---\n%r\n" % (what, bytes(out)))
        if status is None:
            os.kill(pid, 9)
        sys.exit(97)

    steps.append("exit")
    for step in steps:
        kind, _, arg = step.partition(":")
        deadline = time.monotonic() + timeout
        if kind == "send":
            os.write(master, arg.encode().decode("unicode_escape").encode("latin-1"))
        elif kind == "expect":
            rx = re.compile(arg.encode())
            while True:
                m = rx.search(bytes(out), mark)
                if m:
                    mark = m.end()
                    break
                if time.monotonic() > deadline:
                    fail("timed out waiting for %r" % arg)
                pump(0.05)
        elif kind == "resize":
            r, c = (int(x) for x in arg.split("x"))
            set_size(master, r, c)
        elif kind == "sleep":
            end = time.monotonic() + float(arg)
            while time.monotonic() < end:
                pump(0.02)
        elif kind == "touch":
            open(arg, "a").close()
        elif kind == "waitfile":
            while not os.path.exists(arg):
                if time.monotonic() > deadline:
                    fail("timed out waiting for file %s" % arg)
                pump(0.05)
        elif kind == "mode":
            lflag = termios.tcgetattr(slave)[3]
            raw = not (lflag & (termios.ICANON | termios.ECHO | termios.ISIG))
            if raw != (arg == "raw"):
                fail("the terminal is not %s (lflag %#o)" % (arg, lflag))
        elif kind == "exit":
            while status is None:
                if time.monotonic() > deadline:
                    fail("timed out waiting for the command to exit")
                pump(0.05)
            # What it wrote last.
            for _ in range(5):
                pump(0.02)
        else:
            sys.exit("pty-drive: unknown step %r" % step)

    after = termios.tcgetattr(slave)
    sys.stdout.buffer.write(bytes(out))
    sys.stdout.flush()
    if after != before:
        sys.stderr.write("pty-drive: the terminal mode was not restored\n")
        sys.exit(98)
    sys.exit(status)


main()
