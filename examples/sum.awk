#!/usr/bin/awk -f
# Reducer and combiner: "key<TAB>number" lines sorted by key -> one
# "key<TAB>sum" line per key. Used by the record-count and os-distribution
# examples.
BEGIN { FS = OFS = "\t" }
NR > 1 && $1 != key { print key, sum; sum = 0 }
{ key = $1; sum += $2 }
END { if (NR > 0) print key, sum }
