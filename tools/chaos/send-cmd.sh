#!/bin/sh
# The chaos run's SEND_CMD, used like `msmtp -t`: reads one .eml on stdin and
# delivers it into $CHAOS_MAILDIR, whole or not at all (written beside, then
# renamed), after a random pause of up to $CHAOS_DELAY_MS ms, so that a kill
# can land while a send is in flight. Exit 0 only once it is delivered.
# The variables ride in SEND_CMD itself (CHAOS_MAILDIR=… send-cmd.sh): the
# redemption-api gives its SEND_CMD only PATH and HOME of its environment.
if [ -z "$CHAOS_MAILDIR" ]; then echo "CHAOS_MAILDIR is not set" >&2; exit 78; fi
tmp="$CHAOS_MAILDIR/.incoming-$$"
cat > "$tmp" || exit 75
if [ -n "$CHAOS_DELAY_MS" ]; then
  sleep "$(awk -v m="$CHAOS_DELAY_MS" -v s="$$" 'BEGIN { srand(s); printf "%.3f", rand() * m / 1000 }')"
fi
mv "$tmp" "$CHAOS_MAILDIR/cmd-$(date +%s%N)-$$.eml"
echo "queued as $$"
