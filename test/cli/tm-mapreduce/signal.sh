# SIGTERM in the middle of a job: the commands are killed, spills and the
# partial output removed, and tm-mapreduce dies of the signal.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/lib.bash"

make_store "$T/store" 2000
mkdir "$T/work"
"$TM_BIN/tm-mapreduce" -q --data-dir "$T/store" --work-dir "$T/work" --memory 4K \
  --mapper "awk -F '\t' '{ print \$1 \"\t1\" }'" --reducer "touch $T/reducing; exec sleep 30" -o "$T/result" 2> "$T/err" &
pid=$!
# Wait for the reduce phase: the reducer's sleep is running.
for _ in $(seq 200); do
  [ -e "$T/reducing" ] && break
  sleep 0.05
done
kill -TERM "$pid"
rc=0; wait "$pid" || rc=$?
check_eq "died of SIGTERM" 143 "$rc"
[ ! -e "$T/result" ] || fail "partial output left"
check_eq "no temporary output" "" "$(ls "$T" | grep '^result' || true)"
no_spills "$T/work"

# SIGINT in the map phase: the whole mapper pipeline is killed (its process
# group), nothing is left behind.
"$TM_BIN/tm-mapreduce" -q --data-dir "$T/store" --work-dir "$T/work" \
  --mapper "touch $T/mapping; cat | sleep 31.4159" --reducer cat -o "$T/result" 2> "$T/err" &
pid=$!
for _ in $(seq 200); do
  [ -e "$T/mapping" ] && break
  sleep 0.05
done
kill -INT "$pid"
rc=0; wait "$pid" || rc=$?
check_eq "died of SIGINT" 130 "$rc"
sleep 0.2
check_eq "no process of the mapper left" "" "$(pgrep -f 'sleep 31.4159' || true)"
[ ! -e "$T/result" ] || fail "partial output left"
no_spills "$T/work"
