# Jobs run at their time of day in UTC whatever zone cron runs in: the
# entry fires every hour at the local minute of the job's UTC minute (zones
# half and three quarters of an hour off included, and across daylight
# saving time), and its test of the UTC time lets exactly the right firing
# through: the right hour, weekday or day of the month.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/lib.bash"

[ -f /usr/share/zoneinfo/Asia/Kolkata ] || skip "no time zone database (tzdata)"
echo 'mkdir -p output' > "$T/run.sh"
tar -czf "$T/code.tgz" -C "$T" run.sh
job=(--code-tarball "$T/code.tgz" --destination "$T/bucket")

# guard NAME: the entry's test of the UTC time (its command up to " && ").
guard() { local command; command=$(cron_command "$(entry "$1")"); echo "${command%% && *}"; }
# fires ZONE NAME UTC_TIME: whether cron in ZONE fires job NAME's entry at
# UTC_TIME ("2026-01-15 12:30"): its minute field is the local minute then.
fires() {
  local minute
  minute=$(TZ=$1 "$REAL_DATE" -d "@$("$REAL_DATE" -u -d "$3 UTC" +%s)" +%M)
  [ "$(cron_fields "$(entry "$2")" | cut -d' ' -f1)" = "$((10#$minute))" ]
}
# runs_only_at ZONE NAME UTC_TIME OTHER_TIME...: the entry fires at UTC_TIME
# in ZONE and its test passes; at each OTHER_TIME it fires, and the test fails.
runs_only_at() {
  local zone=$1 name=$2 time=$3 other test
  test=$(guard "$name")
  fires "$zone" "$name" "$time" || fail "$zone: $name: cron does not fire at $time UTC"
  TZ=$zone at "$time" "$test" || fail "$zone: $name: not run at $time UTC"
  for other in "${@:4}"; do
    fires "$zone" "$name" "$other" || fail "$zone: $name: cron does not fire at $other UTC"
    ! TZ=$zone at "$other" "$test" || fail "$zone: $name: run at $other UTC"
  done
}

# Every UTC hour of a day at minute MM but HH (the other firings of a day).
other_hours() {  # other_hours DATE HH MM
  local h
  for h in $(seq -w 0 23); do [ "$h" = "$2" ] || echo "$1 $h:$3"; done
}

for zone in UTC Europe/Paris Asia/Kolkata America/St_Johns Australia/Eucla; do
  : > "$FAKE_CRONTAB"
  TZ=$zone sched add --job-name daily "${job[@]}" --time 12:30
  [ "$rc" = 0 ] || fail "$zone: add daily: $(cat "$T/err")"
  TZ=$zone sched add --job-name weekly "${job[@]}" --frequency weekly --day-of-week wed --time 23:15
  [ "$rc" = 0 ] || fail "$zone: add weekly: $(cat "$T/err")"
  TZ=$zone sched add --job-name monthly "${job[@]}" --frequency monthly --day-of-month 1 --time 00:05
  [ "$rc" = 0 ] || fail "$zone: add monthly: $(cat "$T/err")"

  # Winter and summer (daylight saving time in Paris and St John's).
  for date in 2026-01-15 2026-07-15; do
    mapfile -t others < <(other_hours "$date" 12 30)
    runs_only_at "$zone" daily "$date 12:30" "${others[@]}"
  done
  # 2026-07-15 is a Wednesday: 23:15 UTC that day, not the days around it.
  runs_only_at "$zone" weekly "2026-07-15 23:15" "2026-07-14 23:15" "2026-07-16 23:15" \
    "2026-07-19 23:15" "2026-07-22 22:15" "2026-07-15 00:15"
  # The first of the month at 00:05 UTC (already the 1st or still the 31st
  # or the 2nd in local time, depending on the zone).
  runs_only_at "$zone" monthly "2026-08-01 00:05" "2026-07-31 00:05" "2026-07-31 23:05" \
    "2026-08-01 01:05" "2026-08-02 00:05" "2026-07-01 23:05"
  runs_only_at "$zone" monthly "2026-03-01 00:05" "2026-02-28 23:05"
done

# The minute fields themselves, for the record.
: > "$FAKE_CRONTAB"
TZ=Asia/Kolkata sched add --job-name daily "${job[@]}" --time 12:10
check_eq "Kolkata (+05:30): 12:10 UTC" "40 * * * *" "$(cron_fields "$(entry daily)")"
TZ=Australia/Eucla sched add --job-name daily "${job[@]}" --time 12:10 --replace
check_eq "Eucla (+08:45): 12:10 UTC" "55 * * * *" "$(cron_fields "$(entry daily)")"
TZ=America/St_Johns sched add --job-name daily "${job[@]}" --time 12:10 --replace
check_eq "St John's (-03:30): 12:10 UTC" "40 * * * *" "$(cron_fields "$(entry daily)")"
