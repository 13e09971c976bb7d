// A hangup (the terminal went away: an ssh session dropped, a window closed)
// leaves stdin, stdout and stderr on a terminal that is gone. At exit, Node 20
// restores the terminal's settings it saved at start (tcsetattr), gets EIO
// from the dead terminal, and aborts (`Assertion failed` in ResetStdio, exit
// 134 and a native stack) after a command that had stopped cleanly. Once a
// SIGHUP has come, the process closes those descriptors as it exits: Node then
// leaves them alone (a descriptor the program closed is skipped).
import { closeSync } from 'node:fs';
import { isatty } from 'node:tty';

// which of them were terminals at start, as Node saw them (a hung-up terminal is no longer one to isatty)
const terminals = [0, 1, 2].filter((fd) => isatty(fd));
let armed = false;

/** Called on SIGHUP: at exit, the terminal descriptors are closed rather than restored. */
export function forgetTerminalAtExit() {
  if (armed) return;
  armed = true;
  process.once('exit', () => {
    for (const fd of terminals) {
      try {
        closeSync(fd);
      } catch {
        // already closed
      }
    }
  });
}
