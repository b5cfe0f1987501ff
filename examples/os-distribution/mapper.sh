#!/bin/sh
# Mapper: "OS<TAB>1" per record, OS from the payload's info.OS (UNKNOWN when
# missing). The payload is the last tab-separated field of an input line:
# compact JSON holds no raw tab. Combine and reduce with ../sum.awk.
exec awk -F '\t' '{ print $NF }' | jq -r '[(.info.OS // "UNKNOWN" | tostring), "1"] | join("\t")'
