# The jobs of examples/ give the right answers on a store made by tm-partition.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/lib.bash"

command -v jq > /dev/null || skip "jq is not installed (scripts/setup --bench installs it)"
E=$TM_SOURCE/examples
make_store "$T/store" 200

mr --data-dir "$T/store" --mapper "$E/record-count/mapper.sh" --reducer "$E/sum.awk" --num-mappers 2
check_eq "record count" "records	200" "$(cat "$T/out")"

mr --data-dir "$T/store" --mapper "$E/os-distribution/mapper.sh" --combiner "$E/sum.awk" \
  --reducer "$E/sum.awk" --num-reducers 2 --memory 4K
check_eq "OS distribution" "$(expected_os 200)" "$(sort "$T/out")"

mr --data-dir "$T/store" --mapper "$E/linux-memsize/mapper.sh" --num-mappers 2
check_eq "filter and extract" "$(seq 3 3 200 | awk '{ print "doc-" $1 "\t" 1000 + $1 }' | sort)" "$(sort "$T/out")"

# Histograms summed per (channel, version, name), over two partitions; an
# unconverted histogram (an object) is skipped.
hist() {  # hist ID REASON CHANNEL VERSION HISTOGRAMS
  printf '%s\t2014-03-08T12:00:00.000Z\t%s\tFirefox\t%s\t%s\t20140301030201\t\t{"ver":2,"info":{"appUpdateChannel":"%s","appVersion":"%s"},"histograms":%s}\n' \
    "$1" "$2" "$4" "$3" "$3" "$4" "$5"
}
{
  hist h1 saved-session nightly 29.0a1 '{"A":[1,0,2,5,0.5],"B":[0,1,1]}'
  hist h2 idle-daily nightly 29.0a1 '{"A":[3,1,0,2,0.25],"U":{"values":{"0":1}}}'
  hist h3 saved-session aurora 28.0a2 '{"A":[1,1,1,3,1]}'
  hist h4 saved-session nightly 29.0a1 '{"B":[2,0,0]}'
} > "$T/h.tsv"
"$TM_BIN/tm-partition" -q --out "$T/hstore" "$T/h.tsv"
mr --data-dir "$T/hstore" --mapper "$E/histograms/mapper.sh" --combiner "$E/histograms/sum-arrays.awk" \
  --reducer "$E/histograms/sum-arrays.awk" --num-mappers 2 --num-reducers 2
check_eq "histograms" "aurora/28.0a2/A	[1,1,1,3,1]
nightly/29.0a1/A	[4,1,2,7,0.75]
nightly/29.0a1/B	[2,1,1]" "$(sort "$T/out")"
