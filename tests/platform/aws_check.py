"""Deploy a dimgen CloudFormation template to moto's mocked AWS and deliver files.

Usage: python aws_check.py TEMPLATE UPLOADS

UPLOADS is a JSON list of {"bucket": ..., "key": ...}. One SQS queue is made
for every `...QueueArn` parameter of the template (the Snowflake pipes'
notification channels) and the stack is created with those ARNs. moto's
CloudFormation creates the buckets and the role but does not apply a bucket's
NotificationConfiguration, so each one is applied as written in the template
(its `Ref`s resolved, translated to the S3 API's shape) with
put_bucket_notification_configuration, which S3 (and moto) validate: an
overlapping pair is refused there. Then each file is uploaded and every
queue is read. Prints JSON: {"stack": status,
"roles": [...], "received": {parameter: [bucket/key, ...]}}.
"""

import json
import sys
from urllib.parse import unquote_plus

import boto3
from moto import mock_aws


def main(template_path, uploads_path):
    template = open(template_path).read()
    uploads = json.load(open(uploads_path))
    parameters = json.loads(template)["Parameters"]
    with mock_aws():
        region = "us-east-1"
        sqs = boto3.client("sqs", region_name=region)
        s3 = boto3.client("s3", region_name=region)
        cfn = boto3.client("cloudformation", region_name=region)
        iam = boto3.client("iam", region_name=region)
        queues = {}
        values = []
        for name in sorted(parameters):
            if name.endswith("QueueArn"):
                url = sqs.create_queue(QueueName=name)["QueueUrl"]
                arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
                queues[name] = url
                value = arn
            elif name.endswith("IamUserArn"):
                value = "arn:aws:iam::999999999999:user/snowflake-user"
            else:
                value = "ABC_SFCRole=1_external"
            values.append({"ParameterKey": name, "ParameterValue": value})
        cfn.create_stack(StackName="dimgen", TemplateBody=template, Parameters=values)
        status = cfn.describe_stacks(StackName="dimgen")["Stacks"][0]["StackStatus"]
        arns = {v["ParameterKey"]: v["ParameterValue"] for v in values}
        for resource in json.loads(template)["Resources"].values():
            if resource["Type"] != "AWS::S3::Bucket":
                continue
            props = resource["Properties"]
            config = props.get("NotificationConfiguration", {})
            api = {}
            for kind, target, api_kind, api_target in [
                ("QueueConfigurations", "Queue", "QueueConfigurations", "QueueArn"),
                ("TopicConfigurations", "Topic", "TopicConfigurations", "TopicArn"),
            ]:
                for c in config.get(kind, []):
                    ref = c[target]
                    arn = arns[ref["Ref"]] if isinstance(ref, dict) else ref
                    rules = [{"Name": r["Name"], "Value": r["Value"]} for r in c["Filter"]["S3Key"]["Rules"]]
                    api.setdefault(api_kind, []).append(
                        {api_target: arn, "Events": [c["Event"]], "Filter": {"Key": {"FilterRules": rules}}}
                    )
            if api:
                s3.put_bucket_notification_configuration(
                    Bucket=props["BucketName"], NotificationConfiguration=api
                )
        roles = sorted(r["RoleName"] for r in iam.list_roles()["Roles"])
        for u in uploads:
            s3.put_object(Bucket=u["bucket"], Key=u["key"], Body=b"x")
        received = {}
        for name, url in queues.items():
            keys = []
            while True:
                batch = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
                if not batch:
                    break
                for m in batch:
                    body = json.loads(m["Body"])
                    for record in body.get("Records", []):
                        keys.append(record["s3"]["bucket"]["name"] + "/" + unquote_plus(record["s3"]["object"]["key"]))
                    sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
            received[name] = sorted(keys)
        print(json.dumps({"stack": status, "roles": roles, "received": received}))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
