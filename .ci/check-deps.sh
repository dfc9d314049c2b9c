#!/usr/bin/env bash
# Enforces the dependency rules of DESIGN.md with `go list`:
#   model, model/secret, model/migrate import nothing in-repo; other model/*
#   packages (pure mappings) import model and their own sub-packages only; model/store imports model packages;
#   templates imports model only; connectors/* never import hub or each other;
#   hub/* never imports connectors; model/storetest is for tests only.
set -euo pipefail
cd "$(dirname "$0")/.."
fail=0
listing=$(go list -f '{{.ImportPath}} {{join .Imports " "}}' ./...)
while read -r pkg imports; do
  for imp in $imports; do
    case "$imp" in rapport|rapport/*) ;; *) continue ;; esac
    bad=""
    case "$pkg" in
      rapport/model) bad="model imports nothing in-repo" ;;
      rapport/model/secret|rapport/model/migrate) bad="$pkg imports nothing in-repo" ;;
      rapport/model/store)
        case "$imp" in rapport/model|rapport/model/migrate|rapport/model/secret|rapport/model/icalmap) ;; *) bad="store imports model packages only" ;; esac ;;
      rapport/model/storetest) ;;
      rapport/model/*)
        own="${pkg#rapport/model/}"; own="rapport/model/${own%%/*}"
        [[ "$imp" == rapport/model || "$imp" == "$own"/* ]] || bad="$pkg may import model (and its own sub-packages) only" ;;
      rapport/templates|rapport/templates/*)
        case "$imp" in rapport/model|rapport/templates/*) ;; *) bad="templates may use model types only" ;; esac ;;
      rapport/connectors/*)
        own="${pkg#rapport/connectors/}"; own="rapport/connectors/${own%%/*}"
        case "$imp" in
          rapport/hub|rapport/hub/*|rapport/cmd/*) bad="connectors never import hub or cmd" ;;
          rapport/connectors/*) [[ "$imp" == "$own" || "$imp" == "$own"/* ]] || bad="connectors never import each other" ;;
        esac ;;
      rapport/hub|rapport/hub/*)
        case "$imp" in rapport/connectors/*|rapport/cmd/*) bad="hub never imports connectors (cmd injects them)" ;; esac ;;
    esac
    if [[ "$imp" == rapport/model/storetest ]]; then bad="model/storetest is for tests only"; fi
    if [[ -n "$bad" ]]; then echo "check-deps: $pkg imports $imp: $bad"; fail=1; fi
  done
done <<< "$listing"
if [[ $fail -ne 0 ]]; then exit 1; fi
echo "check-deps: ok"
