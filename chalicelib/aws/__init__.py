"""AWS adapters: the only package that imports boto3. Clients follow AWS_ENDPOINT_URL, so the
same code talks to AWS, to moto in the local stack and in tests."""
