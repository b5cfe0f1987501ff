#!/bin/sh
# Map-only job: the records whose info.OS is Linux, as "uuid<TAB>memsize"
# (memsize from info; empty when missing). Run without --reducer.
exec jq -R -r 'split("\t") as $f | ($f[-1] | fromjson) as $p
  | select($p.info.OS == "Linux") | [$f[0], ($p.info.memsize // "" | tostring)] | join("\t")'
