#!/bin/sh
# Seeds each target's corpus (git-ignored) from the fixtures and the shared corpus when present.
set -eu
cd "$(dirname "$0")"
fixtures=../fixtures
shared=${CORSLINT_SHARED:-../../shared}
for target in nginx_parser yaml_reader python_extraction pipeline; do
    mkdir -p "corpus/$target"
done
find "$fixtures" -type f \( -name '*.conf' -o -path '*nginx*' -o -path '*conf.d*' \) -exec cp {} corpus/nginx_parser/ \;
if [ -d "$shared/corpus/nginx" ]; then
    find "$shared/corpus/nginx" -type f -size -64k -exec cp {} corpus/nginx_parser/ \;
fi
find "$fixtures" -type f \( -name '*.yaml' -o -name '*.yml' \) -exec cp {} corpus/yaml_reader/ \;
find "$fixtures" -type f -name '*.py' -exec cp {} corpus/python_extraction/ \;
# The pipeline's first byte picks the kind: 0 Python, 1 nginx, 2 YAML, 3 dotenv.
i=0
for f in $(find "$fixtures" -type f); do
    case "$f" in
        *.py) k='\000' ;;
        *.conf|*/nginx/*|*/conf.d/*) k='\001' ;;
        *.yaml|*.yml) k='\002' ;;
        *.env|*/.env*) k='\003' ;;
        *) continue ;;
    esac
    { printf "$k"; cat "$f"; } > "corpus/pipeline/seed$i"
    i=$((i + 1))
done
