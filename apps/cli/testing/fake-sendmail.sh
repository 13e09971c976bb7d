#!/bin/sh
# A SEND_CMD for the tests, used like `msmtp -t`: reads one .eml on stdin.
#   SENT_LOG     file where each accepted recipient is appended
#   FAIL_FOR     recipients refused permanently (exit 1, message on stderr)
#   TEMPFAIL_ONCE_FOR  recipients refused once with exit 75 (EX_TEMPFAIL)
#   SLOW_FOR     recipients whose send hangs for 60 s (to kill -9 mid-send);
#                STARTED_MARK is touched when that send begins
#   HOLD_FOR     recipients whose send waits until the file HOLD_UNTIL exists (at most 60 s);
#                STARTED_MARK is touched when that send begins
#   DELAY        seconds every send takes (default 0)
#   BROKEN_EXIT  every send fails with this exit code (a broken mailer), BROKEN_MSG on stderr
#   ATTEMPT_LOG  file where every attempted recipient is appended, whatever the outcome
#   READ_LOG     file where a line is appended as soon as the message has been read whole (shell builtins only:
#                a spec under a short SEND_TIMEOUT learns that the read came before the deadline)
msg=$(cat)
[ -n "$READ_LOG" ] && echo read >> "$READ_LOG"
to=$(printf '%s\n' "$msg" | sed -n 's/^To: *//p' | head -n 1 | sed 's/.*<\(.*\)>.*/\1/' | tr -d '\r')
[ -n "$ATTEMPT_LOG" ] && echo "$to" >> "$ATTEMPT_LOG"
if [ -n "$BROKEN_EXIT" ]; then echo "$BROKEN_MSG" >&2; exit "$BROKEN_EXIT"; fi
case ",$FAIL_FOR," in *",$to,"*) echo "550 5.1.1 <$to>: mailbox unavailable" >&2; exit 1 ;; esac
case ",$TEMPFAIL_ONCE_FOR," in *",$to,"*)
  if [ ! -e "$SENT_LOG.tempfail.$to" ]; then : > "$SENT_LOG.tempfail.$to"; echo "451 4.7.1 try again later" >&2; exit 75; fi ;;
esac
case ",$SLOW_FOR," in *",$to,"*) : > "$STARTED_MARK"; sleep 60 ;; esac
case ",$HOLD_FOR," in *",$to,"*)
  : > "$STARTED_MARK"; i=0
  while [ ! -e "$HOLD_UNTIL" ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i + 1)); done ;;
esac
[ -n "$DELAY" ] && sleep "$DELAY"
echo "$to" >> "$SENT_LOG"
echo "queued as $$"
