#!/bin/sh
# Mapper: for each converted histogram of a record (an array of bucket
# counts followed by its statistics, as tm-convert(1) stores it), one line
#   CHANNEL/VERSION/NAME<TAB>[b0,b1,...]
# with the channel and version from the payload's info. Histograms left
# unconverted (objects) are skipped. Combine and reduce with sum-arrays.awk.
exec jq -R -r 'split("\t")[-1] | fromjson
  | (.info.appUpdateChannel // "UNKNOWN") as $c | (.info.appVersion // "UNKNOWN") as $v
  | (.histograms // {}) | to_entries[] | select(.value | type == "array")
  | "\($c)/\($v)/\(.key)\t\(.value | tojson)"'
