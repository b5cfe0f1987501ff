# Compiled jobs that cannot run fail with exit 1 and say why: a compiler
# error (its message shown), a shared object without the entry point, a
# missing file, a job that throws; --job excludes the streaming commands.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/lib.bash"

command -v "${CXX:-c++}" > /dev/null || skip "no C++ compiler (${CXX:-c++}) on PATH"
make_store "$T/store" 10

cat > "$T/bad.cpp" <<'CPP'
#include <tm/job.h>
struct Bad { void map(std::string_view, const tmjob::Dims&, std::string_view, tmjob::Context& ctx) { ctx.emit("a", "1") } };
TM_JOB(Bad)
CPP
mr --data-dir "$T/store" --job "$T/bad.cpp" --work-dir "$T/w"
check_eq "syntax error: exit" 1 "$rc"
check_contains "syntax error: our message" "tm-mapreduce: --job: $T/bad.cpp: compilation failed" "$(cat "$T/err")"
check_contains "syntax error: the compiler's message" "bad.cpp:2:" "$(cat "$T/err")"
check_contains "syntax error: the compiler's words" "expected ';'" "$(cat "$T/err")"
check_eq "syntax error: no output" "" "$(cat "$T/out")"
[ -z "$(ls "$T/w/jobs")" ] || fail "syntax error: left in the cache: $(ls "$T/w/jobs")"

# A shared object without tm_job_entry_v1.
echo 'extern "C" int something_else() { return 1; }' > "$T/nofactory.cc"
"${CXX:-c++}" -shared -fPIC -o "$T/nofactory.so" "$T/nofactory.cc"
mr --data-dir "$T/store" --job "$T/nofactory.so"
check_eq "no factory: exit" 1 "$rc"
check_contains "no factory: message" "tm-mapreduce: --job: $T/nofactory.so: no tm_job_entry_v1" "$(cat "$T/err")"

mr --data-dir "$T/store" --job "$T/missing.so"
check_eq "missing .so: exit" 1 "$rc"
check_contains "missing .so: message" "missing.so" "$(cat "$T/err")"
mr --data-dir "$T/store" --job "$T/missing.cpp" --work-dir "$T/w"
check_eq "missing .cpp: exit" 1 "$rc"
check_contains "missing .cpp: message" "tm-mapreduce: --job: $T/missing.cpp" "$(cat "$T/err")"

# An exception in the job fails the job with its message.
cat > "$T/throws.cpp" <<'CPP'
#include <tm/job.h>
#include <stdexcept>
struct Throws {
  void map(std::string_view uuid, const tmjob::Dims&, std::string_view, tmjob::Context&) {
    if (uuid == "doc-7") throw std::runtime_error("no doc-7 please");
  }
};
TM_JOB(Throws)
CPP
mr --data-dir "$T/store" --job "$T/throws.cpp" --work-dir "$T/w"
check_eq "throws: exit" 1 "$rc"
check_contains "throws: message" "map: no doc-7 please" "$(cat "$T/err")"

# --job and --mapper exclude each other; one of them is required.
rc=0; "$TM_BIN/tm-mapreduce" --data-dir "$T/store" --job "$T/x.so" --mapper cat 2> "$T/err" || rc=$?
check_eq "--job with --mapper: exit" 2 "$rc"
rc=0; "$TM_BIN/tm-mapreduce" --data-dir "$T/store" 2> "$T/err" || rc=$?
check_eq "neither --job nor --mapper: exit" 2 "$rc"
check_contains "neither: message" "--mapper or --job" "$(cat "$T/err")"
