#!/usr/bin/env bash
# Validates every CDA document the tests wrote with the official ANS artefacts:
# the CDA XSD, the "Structuration minimale" header schematron and the volet
# schematron named by the folder.
#
# Convention (segur-cda `test_output` module): documents go to
#   $SEGUR_TEST_OUT/cda/<volet-key>/*.xml
# where <volet-key> is the volet schematron's file name without `CI-SIS_` and
# `.sch` (e.g. `VSM_2023.01`, `EP-MED-DM_2024.01`, `CSE-CS8_2025.01`), or
# `N1` / `HEADER` for documents checked with the XSD and header schematron only.
# Any error-level failed assert (or an XSD error) fails the check. An unknown
# key fails too, so a typo cannot skip validation silently.
set -euo pipefail
: "${SEGUR_SHARED:?}" "${SEGUR_TEST_OUT:?}" "${SEGUR_SCHEMATRON_PYTHON:?set by scripts/setup.d/20-schematron.sh}"
V="$SEGUR_SHARED/vendor/ans-cda"
OUT="$SEGUR_TEST_OUT/cda"
if [ ! -d "$OUT" ] || [ -z "$(find "$OUT" -name '*.xml' -print -quit)" ]; then
  echo "cda-schematron: no CDA document under $OUT: the segur-cda tests should have written some" >&2
  exit 1
fi
status=0
total=0
for dir in "$OUT"/*/; do
  key="$(basename "$dir")"
  shopt -s nullglob
  docs=("$dir"*.xml)
  shopt -u nullglob
  [ ${#docs[@]} -eq 0 ] && continue
  args=(--xsd "$V/infrastructure/cda/CDA_extended.xsd" --sch "$V/strucmin/STRUCT-MIN-B2023-06-14/schematron.sch")
  case "$key" in
    N1|HEADER) ;;
    *)
      sch="$V/schematrons/CI-SIS_${key}.sch"
      if [ ! -f "$sch" ]; then
        echo "cda-schematron: unknown volet key '$key' (no $sch)" >&2
        status=1
        continue
      fi
      args+=(--sch "$sch")
      ;;
  esac
  total=$((total + ${#docs[@]}))
  echo "cda-schematron: $key: ${#docs[@]} document(s)"
  if ! "$SEGUR_SCHEMATRON_PYTHON" "$SEGUR_SHARED/tools/schematron.py" "${args[@]}" "${docs[@]}" > "$OUT/$key.report.txt" 2>&1; then
    status=1
    echo "cda-schematron: $key: FAILED" >&2
    grep -v '^  .*: 0 error' "$OUT/$key.report.txt" | head -60 >&2
  fi
done
echo "cda-schematron: $total document(s) checked"
exit $status
