"""Parsing one 500-row ListRestoreJobSummaries page: botocore's parser against bot.aws.parsing's (the reason the bot
uses botocore internals at all). In process, no fakes: `python -m bench.parsing --pages 200`. Target: the bot's
parser at least 5x faster per page, same rows once timestamps are read with as_utc."""

from __future__ import annotations

import argparse
import json
import sys
import time
from typing import Any

import botocore.session
from botocore import parsers

from bot.aws import parsing
from bot.aws.rows import as_utc

TARGET = 5.0
MODEL = botocore.session.get_session().get_service_model("backup")
PROTOCOL = MODEL.metadata["protocol"]


def page_body(rows: int = 500) -> bytes:
    start = 1_798_761_600.0
    summaries = [
        {"Region": "eu-west-1", "AccountId": f"{100000000000 + i % 97}", "State": "FAILED",
         "ResourceType": ("EBS", "RDS", "EFS", "DynamoDB")[i % 4], "Count": i % 7 + 1,
         "StartTime": start + 86400 * (i % 14), "EndTime": start + 86400 * (i % 14) + 86399}
        for i in range(rows)
    ]
    return json.dumps({"RestoreJobSummaries": summaries, "AggregationPeriod": "ONE_DAY", "NextToken": "n"}).encode()


def per_page(factory: Any, response: dict[str, Any], shape: Any, pages: int) -> float:
    parser = factory.create_parser(PROTOCOL)
    started = time.process_time()
    for _ in range(pages):
        parser.parse(response, shape)
    return (time.process_time() - started) / pages


def main(argv: list[str] | None = None) -> int:
    cli = argparse.ArgumentParser(prog="python -m bench.parsing", description=__doc__.split("\n\n")[0])
    cli.add_argument("--pages", type=int, default=200)
    args = cli.parse_args(argv)
    shape = MODEL.operation_model("ListRestoreJobSummaries").output_shape
    response = {"status_code": 200, "headers": {"x-amzn-requestid": "r"}, "body": page_body()}
    usual, fast = parsers.ResponseParserFactory(), parsing.fast_parser_factory()
    same = [{**row, "StartTime": as_utc(row["StartTime"]), "EndTime": as_utc(row["EndTime"])}
            for row in fast.create_parser(PROTOCOL).parse(response, shape)["RestoreJobSummaries"]]
    assert same == usual.create_parser(PROTOCOL).parse(response, shape)["RestoreJobSummaries"]
    botocore_cost = per_page(usual, response, shape, args.pages)
    bot_cost = per_page(fast, response, shape, args.pages)
    ratio = botocore_cost / bot_cost
    print(f"500-row page, CPU per page: botocore {botocore_cost * 1000:.2f} ms, bot {bot_cost * 1000:.2f} ms "
          f"(x{ratio:.1f}, target >= x{TARGET:g}); same rows")
    return 0 if ratio >= TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
