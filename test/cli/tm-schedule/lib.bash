# Helpers of the tm-schedule tests, sourced after ../lib.sh. The crontab is
# a scratch file behind helpers/fake-crontab, never a real one: a "crontab"
# first on PATH fails loudly if anything calls it.

TM_SCHEDULE=$TM_SOURCE/scripts/tm-schedule
HELPERS=$(cd "$(dirname "${BASH_SOURCE[0]}")/helpers" && pwd)
export FAKE_CRONTAB=$T/crontab TM_CRONTAB=$HELPERS/fake-crontab TM_BIN
REAL_DATE=$(command -v date)
mkdir -p "$T/bin"
cat > "$T/bin/crontab" << 'EOF_CRONTAB'
#!/bin/sh
echo "FAIL: a test called the real crontab" >&2
exit 99
EOF_CRONTAB
# date, at $FAKE_NOW (seconds since the epoch) when it is set and no date is given.
cat > "$T/bin/date" << EOF_DATE
#!/bin/sh
case " \$* " in *" -d "*) exec "$REAL_DATE" "\$@" ;; esac
if [ -n "\${FAKE_NOW:-}" ]; then exec "$REAL_DATE" -d "@\$FAKE_NOW" "\$@"; fi
exec "$REAL_DATE" "\$@"
EOF_DATE
chmod +x "$T/bin/crontab" "$T/bin/date"
PATH=$T/bin:$PATH

# sched ARGS...: runs tm-schedule; sets rc, output in $T/out and $T/err.
sched() {
  rc=0
  "$TM_SCHEDULE" "$@" > "$T/out" 2> "$T/err" || rc=$?
}

# entry NAME: the crontab line of job NAME (not the lines that only look like it).
ENTRY_START='^[0-9]+ \* \* \* \* \[ '
entry() { grep -E -e "$ENTRY_START.* # tm-schedule job=$1 when=[^ ]+\$" "$FAKE_CRONTAB"; }

# cron_command LINE: what cron hands to /bin/sh for the crontab line LINE, as
# Vixie cron (Debian's) and cronie read it: the text after the five time
# fields, where "\%" is "%" and a bare "%" ends the command (the rest would
# be its standard input). Written apart from tm-schedule's own reading.
cron_command() {
  printf '%s\n' "$1" | awk '{
    s = $0
    for (f = 0; f < 5; f++) sub(/^[ \t]*[^ \t]+/, "", s)
    sub(/^[ \t]+/, "", s)
    out = ""; escaped = 0
    for (i = 1; i <= length(s); i++) {
      c = substr(s, i, 1)
      if (escaped) {
        if (c == "%") out = substr(out, 1, length(out) - 1)
        out = out c; escaped = 0
      } else if (c == "\\") { out = out c; escaped = 1 }
      else if (c == "%") break
      else out = out c
    }
    printf "%s", out
  }'
}

# cron_fields LINE: its five time fields.
cron_fields() { printf '%s\n' "$1" | awk '{ print $1, $2, $3, $4, $5 }'; }

# at UTC_TIME COMMAND: runs COMMAND (a cron command) with /bin/sh as cron
# would at UTC_TIME ("2026-03-10 07:05"); returns its exit status.
at() { FAKE_NOW=$("$REAL_DATE" -u -d "$1 UTC" +%s) /bin/sh -c "$2"; }
