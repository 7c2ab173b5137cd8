"""Lint IAM policy documents offline with parliament; exit 1 on any finding.

Usage: lint_policies.py FILE...

Identity policies are linted as they are. A trust policy (statements with a
`Principal` and no `Resource`) is linted with `"Resource": "*"` added, since
parliament reads every document as an identity policy: it then checks the
statement shape, the principal, that the actions exist, and that the
condition operators and global keys (`aws:SourceAccount`, `sts:ExternalId`)
apply to the action. Findings that are artifacts of that, or gaps in
parliament's own data, are left out, each for the reason given in IGNORED.
"""

import json
import sys

from parliament import analyze_policy_string

# Findings on trust policies that do not point at a problem of the policy.
IGNORED = {
    # The `"Resource": "*"` added above.
    "RESOURCE_STAR": "added Resource",
    # parliament knows only Cognito, Google, Facebook and Amazon as
    # federation sources, not OIDC providers such as GitHub's or GitLab's.
    "UNKNOWN_FEDERATION_SOURCE": "OIDC provider",
}


def oidc_condition_key(detail: str) -> bool:
    """parliament's data lacks the provider-specific `HOST:aud` / `HOST:sub` keys."""
    words = detail.split()
    return len(words) > 2 and words[0] == "Unknown" and words[1] == "condition" and (
        words[2].endswith(":aud") or words[2].endswith(":sub")
    )


def findings(path: str) -> list[str]:
    with open(path, encoding="utf-8") as file:
        document = json.load(file)
    statements = document["Statement"]
    if isinstance(statements, dict):
        statements = [statements]
    trust = all("Principal" in s and "Resource" not in s for s in statements)
    if trust:
        for statement in statements:
            statement["Resource"] = "*"
    policy = analyze_policy_string(json.dumps(document))
    found = []
    for finding in policy.findings:
        detail = str(finding.detail)
        if trust and (finding.issue in IGNORED or oidc_condition_key(detail)):
            continue
        found.append(f"{path}: {finding.issue}: {detail}")
    return found


def main() -> int:
    found = [line for path in sys.argv[1:] for line in findings(path)]
    for line in found:
        print(line)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
