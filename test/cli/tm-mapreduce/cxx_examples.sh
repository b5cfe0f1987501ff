# The compiled C++ jobs of examples/cxx/ (--job) give exactly the outputs of
# the streaming examples on a store made by tm-partition (compared with them
# when jq, which those need, is installed; with the known answers always).
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/lib.bash"

command -v "${CXX:-c++}" > /dev/null || skip "no C++ compiler (${CXX:-c++}) on PATH"
E=$TM_SOURCE/examples
make_store "$T/store" 200

mr --data-dir "$T/store" --job "$E/cxx/record_count.cpp" --work-dir "$T/w" --num-mappers 2
check_eq "record count: exit" 0 "$rc"
check_eq "record count" "records	200" "$(cat "$T/out")"
mr --data-dir "$T/store" --mapper "$E/record-count/mapper.sh" --reducer "$E/sum.awk" --num-mappers 2
check_eq "record count equals the streaming one" "records	200" "$(cat "$T/out")"

# Several reducers and spills, so that the combiner runs too.
mr --data-dir "$T/store" --job "$E/cxx/os_distribution.cpp" --work-dir "$T/w" \
  --num-reducers 2 --memory 4K --num-mappers 2
check_eq "OS distribution: exit" 0 "$rc"
check_eq "OS distribution" "$(expected_os 200)" "$(sort "$T/out")"
if command -v jq > /dev/null; then
  cp "$T/out" "$T/cxx.out"
  mr --data-dir "$T/store" --mapper "$E/os-distribution/mapper.sh" --combiner "$E/sum.awk" \
    --reducer "$E/sum.awk" --num-reducers 2 --memory 4K
  check_eq "OS distribution equals the streaming one" "$(sort "$T/out")" "$(sort "$T/cxx.out")"
fi

# A map-only job (no reduce): its mappers' lines are the output.
mr --data-dir "$T/store" --job "$E/cxx/linux_memsize.cpp" --work-dir "$T/w" --num-mappers 2
check_eq "filter and extract: exit" 0 "$rc"
check_eq "filter and extract" "$(seq 3 3 200 | awk '{ print "doc-" $1 "\t" 1000 + $1 }' | sort)" "$(sort "$T/out")"
if command -v jq > /dev/null; then
  cp "$T/out" "$T/cxx.out"
  mr --data-dir "$T/store" --mapper "$E/linux-memsize/mapper.sh" --num-mappers 2
  check_eq "filter and extract equals the streaming one" "$(sort "$T/out")" "$(sort "$T/cxx.out")"
fi

# A missing info.OS is UNKNOWN, as in the streaming example.
printf 'x1\t2014-03-08T12:00:00.000Z\tidle-daily\tFirefox\t29.0a1\tnightly\t20140301030201\t\t{"ver":2,"info":{}}\n' > "$T/x.tsv"
"$TM_BIN/tm-partition" -q --out "$T/xstore" "$T/x.tsv"
mr --data-dir "$T/xstore" --job "$E/cxx/os_distribution.cpp" --work-dir "$T/w"
check_eq "no OS" "UNKNOWN	1" "$(cat "$T/out")"

# A prebuilt shared object is loaded as it is, and the output formats apply.
so=$(ls "$T"/w/jobs/*.so | head -1)
mr --data-dir "$T/store" --job "$so" --work-dir "$T/w" --format csv
check_eq "prebuilt .so: exit" 0 "$rc"
[ -n "$(cat "$T/out")" ] || fail "prebuilt .so: no output"
