# Ctrl-C while a --job source compiles: the compiler and tm-mapreduce get it
# alike (one process group), and tm-mapreduce dies of it quietly, leaving no
# object or temporary file in the cache.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/lib.bash"

make_store "$T/store" 10
cp "$TM_SOURCE/examples/cxx/record_count.cpp" "$T/job.cpp"
# A compiler that stays in the compile long enough to be interrupted.
cat > "$T/slow-c++" << EOF2
#!/bin/sh
touch "$T/compiling"
sleep 30
exec c++ "\$@"
EOF2
chmod +x "$T/slow-c++"
# A process group of its own with SIGINT at its default, as a terminal's
# foreground job has it (a background job of this script would ignore it).
CXX=$T/slow-c++ setsid env --default-signal=INT "$TM_BIN/tm-mapreduce" -q --data-dir "$T/store" \
  --work-dir "$T/w" --job "$T/job.cpp" > "$T/out" 2> "$T/err" &
pid=$!
for _ in $(seq 200); do
  [ -e "$T/compiling" ] && break
  sleep 0.05
done
[ -e "$T/compiling" ] || fail "the compiler did not start: $(cat "$T/err")"
kill -INT -- "-$pid"
rc=0; wait "$pid" || rc=$?
check_eq "died of SIGINT" 130 "$rc"
check_eq "nothing said" "" "$(cat "$T/err")"
check_eq "nothing left in the job cache" "" "$(find "$T/w/jobs" -type f 2> /dev/null)"
