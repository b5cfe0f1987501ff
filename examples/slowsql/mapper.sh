#!/bin/sh
# Mapper of the slowsql job: for each statement of a ping's slowSQL section
# ({"mainThread": {SQL: [hits, total ms]}, "otherThreads": {...}}, as Firefox
# reports the SQL statements that ran slowly), "THREAD SQL<TAB>hits<TAB>ms".
# Tabs and newlines in a statement become spaces, so that each is one key.
exec awk -F '\t' '{ print $NF }' | jq -r '
  (.slowSQL // {}) | to_entries[] | .key as $thread | (.value | objects) | to_entries[]
  | select(.value | type == "array" and length >= 2)
  | [$thread + " " + (.key | gsub("[\t\n\r]"; " ")), (.value[0] | tostring), (.value[1] | tostring)]
  | join("\t")'
