"""Rebound's CDK app: the AWS resources around the Chalice app, their wiring and their IAM.

Never packaged into a Lambda (chalicelib/ must not import it); run by `make synth`.
"""
