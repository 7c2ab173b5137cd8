"""Deploy or delete a CloudFormation stack on a local moto server, for the
`create --emit cloudformation` tests (tests/cli/emit.rs).

    cloudformation_stack.py ENDPOINT deploy STACK TEMPLATE_FILE [KEY=VALUE ...]
    cloudformation_stack.py ENDPOINT delete STACK_ID

Prints one JSON object on stdout: the stack's ID, final status, status reason
(if any), outputs, and the resources it made; the test reads the account's
state itself with its own clients. A deleted stack is looked up by its ID, as
AWS keeps it findable that way (moto 5.2.5 answered ListStacks with a 500
once a refused CreateStack had left a broken stack behind). moto 5.2.5 runs
stack operations synchronously, so the first status read is final; the script
still polls briefly in case a later moto does not.
"""

import json
import sys
import time

import boto3
from botocore.exceptions import ClientError

PENDING = ("CREATE_IN_PROGRESS", "DELETE_IN_PROGRESS", "ROLLBACK_IN_PROGRESS")


def client(endpoint):
    return boto3.client(
        "cloudformation",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


def describe(cfn, stack):
    for _ in range(50):
        try:
            found = cfn.describe_stacks(StackName=stack)["Stacks"][0]
        except ClientError as error:
            return {"StackStatus": "GONE", "Error": str(error)}
        if found["StackStatus"] not in PENDING:
            break
        time.sleep(0.1)
    if found["StackStatus"] == "DELETE_COMPLETE":
        return {"StackId": found["StackId"], "StackStatus": "DELETE_COMPLETE"}
    resources = cfn.describe_stack_resources(StackName=stack)["StackResources"]
    return {
        "StackId": found["StackId"],
        "StackStatus": found["StackStatus"],
        "StackStatusReason": found.get("StackStatusReason"),
        "Outputs": {o["OutputKey"]: o["OutputValue"] for o in found.get("Outputs", [])},
        "Resources": {
            r.get("LogicalResourceId", "?"): {
                "Type": r.get("ResourceType"),
                "PhysicalResourceId": r.get("PhysicalResourceId"),
                "Status": r.get("ResourceStatus"),
            }
            for r in resources
        },
    }


def main():
    endpoint, action, stack = sys.argv[1:4]
    cfn = client(endpoint)
    if action == "deploy":
        with open(sys.argv[4], encoding="utf-8") as file:
            body = file.read()
        parameters = [
            {"ParameterKey": key, "ParameterValue": value}
            for key, value in (arg.split("=", 1) for arg in sys.argv[5:])
        ]
        try:
            cfn.create_stack(
                StackName=stack,
                TemplateBody=body,
                Parameters=parameters,
                Capabilities=["CAPABILITY_NAMED_IAM"],
            )
        except ClientError as error:
            print(json.dumps({"StackStatus": "REFUSED", "Error": str(error)}))
            return
        print(json.dumps(describe(cfn, stack), sort_keys=True))
    elif action == "delete":
        cfn.delete_stack(StackName=stack)
        print(json.dumps(describe(cfn, stack), sort_keys=True))
    else:
        sys.exit(f"unknown action {action}")


if __name__ == "__main__":
    main()
