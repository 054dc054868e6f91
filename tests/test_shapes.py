"""Conversations, agent loops, failures with retries and unit costs (issue 16): every expected amount is
worked out by hand below from pricing.yaml's rates, never copied from the code's output."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal as D

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import costcalc
from costcalc.errors import CostcalcError
from costcalc.workloads.conversation import Caching, Conversation, Counts, History, derive, requests_per_unit
from costcalc.workloads.failures import Failures

from .helpers import SIX_TURN_CHAT, TWELVE_STEP_AGENT

MTOK = D(1_000_000)


def write(tmp_path, text: str):
    path = tmp_path / "w.yaml"
    path.write_text("schema_version: 1\nprofiles:\n" + text)
    return path


def month_frame(path, start="2027-01", months=1):
    return costcalc.estimate(str(path), start=start, months=months)


def total(frame) -> D:
    return sum((D(str(c)) for c in frame["cost_usd"]), D(0))


def by(frame, **match) -> D:
    rows = frame
    for column, value in match.items():
        rows = rows[rows[column].astype(str) == value]
    return sum((D(str(c)) for c in rows["cost_usd"]), D(0))


# --- 1. a 6-turn conversation on claude-opus-4-7, full history, 5-minute cache writes, prefix reads -------



def test_six_turn_conversation_per_turn_breakdown():
    # Turn k's prompt = system 2,000 + (k-1) earlier turns x (150 user + 400 reply) + the new 150:
    #   2,150  2,700  3,250  3,800  4,350  4,900
    # Turn 1 writes its whole prompt (nothing cached yet). Turn k > 1 reads turn k-1's prompt (still the
    # prefix) and writes the new part: the last reply and the new user turn, 400 + 150 = 550.
    conversation = Conversation(D(1000), Counts(((6, D(1)),)), D(2000), D(150), D(400),
                                cache=Caching(reads=True, writes="5m"))
    steps = derive(conversation.loop())
    assert [s.prompt for s in steps] == [2150, 2700, 3250, 3800, 4350, 4900]
    assert [s.cache_read for s in steps] == [0, 2150, 2700, 3250, 3800, 4350]
    assert [s.cache_write for s in steps] == [2150, 550, 550, 550, 550, 550]
    assert [s.input for s in steps] == [0] * 6
    assert [s.output for s in steps] == [400] * 6
    assert requests_per_unit(steps) == 6


def test_six_turn_conversation_monthly_cost(tmp_path):
    # Per conversation: reads 2,150 + 2,700 + 3,250 + 3,800 + 4,350 = 16,250; writes 2,150 + 5 x 550 = 4,900;
    # output 6 x 400 = 2,400. Opus 4.7: cache read 0.50, 5-minute write 6.25, output 25 USD per 1M:
    #   16,250 x 0.50 / 1M = 0.008125;  4,900 x 6.25 / 1M = 0.030625;  2,400 x 25 / 1M = 0.06
    #   = 0.09875 USD per conversation. January 2027: 31 days x 1,000 = 31,000 conversations = 3,061.25 USD.
    frame = month_frame(write(tmp_path, SIX_TURN_CHAT))
    assert by(frame, component="cache_read") == D("251.875")  # 31,000 x 0.008125
    assert by(frame, component="cache_write_5m") == D("949.375")  # 31,000 x 0.030625
    assert by(frame, component="output") == D("1860")  # 31,000 x 0.06
    assert total(frame) == D("3061.25")
    tokens = {str(c): D(str(t)) for c, t in zip(frame["component"], frame["tokens"])}
    assert tokens["cache_read"] == 31000 * 16250 and tokens["cache_write_5m"] == 31000 * 4900
    # requests = conversations x turns
    requests = costcalc.frames.requests(frame)["requests"].tolist()
    assert [D(str(n)) for n in requests] == [31000 * 6]


def test_history_reads_without_writes_refused_where_writes_are_billed(tmp_path):
    # Anthropic reads only a prefix a request wrote (and billed): reads alone priced the six turns at
    # 16,250 x 0.50 + 4,900 x 5.00 (the written part as plain input) + 2,400 x 25 = 0.092625 per conversation,
    # 31,000 x 0.092625 = 2,871.375 USD, below the 3,061.25 the writes cost. Refused, naming file, line, key.
    from click.testing import CliRunner

    from costcalc.cli import cli

    path = write(tmp_path, SIX_TURN_CHAT.replace("{reads: history, writes: 5m}", "{reads: history}"))
    result = CliRunner().invoke(cli, ["estimate", str(path), "--start", "2027-01", "--months", "1"])
    assert result.exit_code in (1, 2) and result.stdout == ""
    said = result.stderr.strip()
    assert "\n" not in said and "Traceback" not in said
    # line 13: schema_version and profiles: come first, then the 11 lines of SIX_TURN_CHAT down to cache:
    assert said.startswith(f"costcalc: {path}:13: profiles.chat.conversation.cache: 'none': ")
    assert said.endswith("claude-opus-4-7 bills cache writes: reads of the history need writes: 5m or 1h")
    # a model whose writes bill as plain input (gpt-5.5, automatic caching) prices the reads alone:
    # turn k >= 2 reads turn k-1's prompt; per conversation reads 16,250, uncached 4,900, output 2,400
    gpt = write(tmp_path, SIX_TURN_CHAT.replace("{reads: history, writes: 5m}", "{reads: history}")
                .replace("[claude-opus-4-7]", "[gpt-5.5]").replace("claude-opus-4.7-estimate", "o200k_base"))
    frame = month_frame(gpt)
    tokens = {str(c): D(str(t)) for c, t in zip(frame["component"], frame["tokens"])}
    assert tokens == {"input": 31000 * 4900, "cache_read": 31000 * 16250, "output": 31000 * 2400}


# --- 2. gpt-5.5's 272K cliff: only the turns above it pay the long-context rates ---------------------------

LONG = """\
  long:
    models: [gpt-5.5]
    conversation:
      conversations_per_day: 10
      turns: 30
      system_tokens: 2000
      user_tokens_per_turn: 1000
      reply_tokens_per_turn: 9000
"""


def test_cliff_applies_per_turn(tmp_path):
    # prompt_k = 2,000 + 1,000 + (k-1) x 10,000 = 3,000 + 10,000 (k-1). Above 272,000 from k = 28 (273,000).
    # Turns 1-27: input 27 x 3,000 + 10,000 x (0 + ... + 26) = 81,000 + 3,510,000 = 3,591,000; output 243,000
    # Turns 28-30: input 3 x 3,000 + 10,000 x (27 + 28 + 29) = 849,000; output 27,000
    # gpt-5.5: input 5, output 30; above 272K input x2 = 10, output x1.5 = 45 USD per 1M.
    #   3,591,000 x 5 + 243,000 x 30 + 849,000 x 10 + 27,000 x 45 = 17.955 + 7.29 + 8.49 + 1.215 (/1M: USD)
    #   = 34.95 USD per conversation; January 2027: 310 conversations = 10,834.50 USD.
    # The mean prompt (4,440,000 / 30 = 148,000) is below the cliff: a flat profile would miss the 3 turns.
    frame = month_frame(write(tmp_path, LONG))
    rates = {(str(c), D(str(r))): D(str(t)) for c, r, t in zip(frame["component"], frame["usd_per_mtok"],
                                                              frame["tokens"])}
    assert rates == {("input", D(5)): 310 * D(3591000), ("output", D(30)): 310 * D(243000),
                     ("input", D(10)): 310 * D(849000), ("output", D(45)): 310 * D(27000)}
    assert total(frame) == D("10834.5")


def test_window_keeps_every_turn_below_the_cliff(tmp_path):
    # history: window 200000 -> prompt_k = 3,000 + min(10,000 (k-1), 200,000) <= 203,000: no turn above 272K.
    # Turns 1-21 keep all history: 21 x 3,000 + 10,000 x (0 + ... + 20) = 63,000 + 2,100,000 = 2,163,000;
    # turns 22-30 hold 203,000 each: 9 x 203,000 = 1,827,000. Input 3,990,000 x 5 + output 270,000 x 30
    # = 19.95 + 8.1 = 28.05 USD per conversation; 310 conversations = 8,695.50 USD.
    text = LONG + "      history: window 200000\n"
    frame = month_frame(write(tmp_path, text))
    assert set(D(str(r)) for r in frame["usd_per_mtok"]) == {D(5), D(30)}
    assert total(frame) == D("8695.5")


# --- 3. an agent: 12 steps appending 3,000 tokens each; 5% failures billed on input, one retry -------------



def test_agent_steps_and_failures(tmp_path):
    # Step k's prompt = system 1,000 + task 500 + (k-1) x (500 output + 2,500 tool result) = 1,500 + 3,000 (k-1).
    # Per task: input 12 x 1,500 + 3,000 x (0 + ... + 11) = 18,000 + 198,000 = 216,000; output 12 x 500 = 6,000.
    # Failures r = 0.05, 1 retry: attempts 1 + 0.05 = 1.05; failed 0.05 + 0.05^2 = 0.0525; succeeded
    # 1 - 0.05^2 = 0.9975. January 2027: 3,100 tasks.
    #   succeeded input  216,000 x 0.9975 x 3,100 = 667,926,000 tokens x 5 / 1M = 3,339.63
    #   succeeded output   6,000 x 0.9975 x 3,100 =  18,553,500 tokens x 30 / 1M =  556.605
    #   failed input     216,000 x 0.0525 x 3,100 =  35,154,000 tokens x 5 / 1M =  175.77 (its own line)
    #   = 4,072.005 USD; requests 12 x 3,100 x 1.05 = 39,060.
    frame = month_frame(write(tmp_path, TWELVE_STEP_AGENT))
    rules = {(str(r), str(c)): D(str(t)) for r, c, t in zip(frame["rule"], frame["component"], frame["tokens"])}
    assert rules[("list", "input")] == 667926000
    assert rules[("list", "output")] == 18553500
    assert rules[("list (failed attempts)", "input")] == 35154000
    assert ("list (failed attempts)", "output") not in rules  # billed: input
    assert by(frame, rule="list (failed attempts)") == D("175.77")
    assert total(frame) == D("4072.005")
    assert [D(str(n)) for n in costcalc.frames.requests(frame)["requests"].tolist()] == [39060]


def test_failures_billed_input_and_output_and_none():
    f = Failures(D("0.1"), "input+output", 2)
    # attempts 1 + 0.1 + 0.01 = 1.11; failed 0.1 + 0.01 + 0.001 = 0.111; succeeded 1 - 0.001 = 0.999
    assert (f.attempts(), f.failed(), f.succeeded()) == (D("1.11"), D("0.111"), D("0.999"))
    assert f.billed_parts() == (True, True)
    assert Failures(D("0.1"), "none").billed_parts() == (False, False)


# --- history policies by hand --------------------------------------------------------------------------

def test_summarize_every_k_turns():
    # system 100, user 10, reply 20; summarize every 2 turns at 50 tokens; 5 turns, no cache.
    # turn 1: 100 + 10 = 110; turn 2: 100 + 30 + 10 = 140;
    # before turn 3 a summary call: 100 + history 60 in, 50 out; turn 3: 100 + 50 + 10 = 160;
    # turn 4: 100 + 50 + 30 + 10 = 190; before turn 5 a summary call: 100 + 50 + 60 = 210 in, 50 out;
    # turn 5: 160 (the same tokens as turn 3: merged with it, weight 2)
    c = Conversation(D(1), Counts(((5, D(1)),)), D(100), D(10), D(20),
                     history=History("summarize", every=2, summary_tokens=D(50)))
    steps = derive(c.loop())
    seen = [(s.prompt, s.output, s.weight, s.summary) for s in steps]
    assert seen == [(110, 20, 1, False), (140, 20, 1, False), (160, 50, 1, True), (160, 20, 2, False),
                    (190, 20, 1, False), (210, 50, 1, True)]
    assert requests_per_unit(steps) == 7  # 5 turns + 2 summary calls


def test_turns_histogram_weights():
    # half the conversations have 1 turn, half 3: turn 1 in all (1), turns 2 and 3 in half (0.5 each)
    c = Conversation(D(1), Counts(((1, D("0.5")), (3, D("0.5")))), D(0), D(10), D(10))
    steps = derive(c.loop())
    assert [(s.prompt, s.weight) for s in steps] == [(10, 1), (30, D("0.5")), (50, D("0.5"))]
    assert requests_per_unit(steps) == 2  # the mean turns


def test_context_policies():
    # system 0, user 10, reply 90: prompts 10, 110, 210, 310 on a 250-token window
    c = Conversation(D(1), Counts(((4, D(1)),)), D(0), D(10), D(90))
    from costcalc.workloads.conversation import ContextPolicy

    stop = derive(replace(c, context=ContextPolicy("stop")).loop(), 250)
    assert [s.prompt for s in stop] == [10, 110, 210]  # the 4th turn would not fit: not made
    truncate = derive(replace(c, context=ContextPolicy("truncate")).loop(), 250)
    assert [s.prompt for s in truncate] == [10, 110, 210, 250]  # the history cut to 240 + 10
    summarize = derive(replace(c, context=ContextPolicy("summarize", D(20))).loop(), 250)
    # before turn 4 a summary call (0 + the 300 history, cut to what fits: 240) -> 20 out; turn 4: 20 + 10
    assert [(s.prompt, s.summary) for s in summarize] == [(10, False), (110, False), (210, False), (240, True),
                                                         (30, False)]
    assert derive(c.loop(), 250)[-1].prompt == 310  # no policy: the window is the projection's matter


# --- reading errors ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("text, message", [
    ("      turns: 0\n", "turns"),
    ("      turns: 2.5\n", "turns"),
    ("      history: window lots\n", "history"),
    ("      cache: {reads: everything}\n", "cache.reads"),
])
def test_bad_conversation_values(tmp_path, text, message):
    base = SIX_TURN_CHAT.replace("      turns: 6\n", "").replace("      history: full\n", "") \
        .replace("      cache: {reads: history, writes: 5m}\n", "")
    path = write(tmp_path, base + ("" if "turns" in text else "      turns: 6\n") + text)
    with pytest.raises(CostcalcError) as info:
        costcalc.estimate(str(path), start="2027-01", months=1)
    said = str(info.value)
    assert said.startswith(f"{path}:") and f"profiles.chat.conversation.{message}" in said
    assert "\n" not in said.strip()


def test_shape_and_plain_volume_refused(tmp_path):
    path = write(tmp_path, SIX_TURN_CHAT + "    requests_per_day: 5\n")
    with pytest.raises(CostcalcError, match="give conversation: or requests_per_day, not both"):
        costcalc.estimate(str(path), start="2027-01", months=1)


def test_turns_range_gives_cases(tmp_path):
    # turns {low: 2, expected: 6, high: 10}. Low: 2 turns: reads 2,150, writes 2,150 + 550 = 2,700, output 800:
    #   2,150 x 0.50 + 2,700 x 6.25 + 800 x 25 = 1,075 + 16,875 + 20,000 = 37,950 / 1M = 0.03795 per conversation
    #   x 31,000 = 1,176.45. High: 10 turns: prompts 2,150 + 550 (k-1); reads = prompts 1..9 =
    #   9 x 2,150 + 550 x 36 = 19,350 + 19,800 = 39,150; writes 2,150 + 9 x 550 = 7,100; output 4,000:
    #   19,575 + 44,375 + 100,000 = 163,950 / 1M = 0.16395 x 31,000 = 5,082.45.
    path = write(tmp_path, SIX_TURN_CHAT.replace("turns: 6", "turns: {low: 2, expected: 6, high: 10}"))
    frame = costcalc.estimate(str(path), start="2027-01", months=1, cases=True)
    assert by(frame, case="low") == D("1176.45")
    assert by(frame, case="expected") == D("3061.25")
    assert by(frame, case="high") == D("5082.45")


def test_turn_above_the_context_window_names_the_turns(tmp_path):
    # prompt_k = 1,000 + 10,000 (k-1): turn 106 holds 1,051,000 tokens, above gpt-5.5's 1,050,000 window
    path = write(tmp_path, """\
  c:
    models: [gpt-5.5]
    conversation:
      conversations_per_day: 10
      turns: 200
      user_tokens_per_turn: 1000
      reply_tokens_per_turn: 9000
""")
    with pytest.raises(CostcalcError) as info:
        costcalc.estimate(str(path), start="2027-01", months=1)
    said = str(info.value)
    assert said.startswith(f"{path}:7: profiles.c.conversation.turns: 200: model gpt-5.5: a turn of its")
    assert "1,051,000-token prompt" in said and "context: stop, truncate" in said


# --- 4. cost per user and per conversation: table, JSON and XLSX ------------------------------------------

UNITS = SIX_TURN_CHAT + "    units: {user: 12000, conversation: derived, ticket: {per_request: 0.25}}\n"


def test_users_are_a_stock_not_user_months(tmp_path):
    # units: {user: 50} over 2 months: 50 users, not 100 user-months. January 2027 31,000 x 0.09875 = 3,061.25,
    # February 28,000 x 0.09875 = 2,765: per user 61.225 and 55.30 a month; over the period 5,826.25 / 50 = 116.525
    import json

    from click.testing import CliRunner

    from costcalc.cli import cli

    path = write(tmp_path, SIX_TURN_CHAT + "    units: {user: 50}\n")
    result = CliRunner().invoke(cli, ["estimate", str(path), "--start", "2027-01", "--months", "2", "--format", "json"])
    assert result.exit_code == 0, result.output
    user = json.loads(result.output)["plans"][0]["profiles"][0]["units"][0]
    assert [D(m["per_unit"]["cost_usd"]) for m in user["months"]] == [D("61.225"), D("55.3")]
    assert D(user["count"]) == 50 and D(user["per_unit"]["cost_usd"]) == D("116.525") and user["stock"] is True


def test_unit_costs_in_json_table_and_xlsx(tmp_path):
    # January 2027 costs 3,061.25 (above), February 28 x 1,000 x 0.09875 = 2,765.
    # per user: 3,061.25 / 12,000 = 0.25510416...; 2,765 / 12,000 = 0.23041666...;
    #   period: 12,000 users is a count per month (a stock), not 24,000 user-months: 5,826.25 / 12,000
    #   = 0.48552083...
    # per conversation: 0.09875 every month (31,000 and 28,000 conversations)
    # per ticket: 0.25 per request: January 31,000 x 6 x 0.25 = 46,500 tickets -> 3,061.25 / 46,500
    #   = 0.0658333...; period 5,826.25 / (46,500 + 42,000) = 0.0658333...
    import json

    import openpyxl
    from click.testing import CliRunner

    from costcalc.cli import cli

    path = write(tmp_path, UNITS)
    runner = CliRunner()
    result = runner.invoke(cli, ["estimate", str(path), "--start", "2027-01", "--months", "2", "--format", "json"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.output)
    units = {u["unit"]: u for u in document["plans"][0]["profiles"][0]["units"]}
    assert D(units["user"]["months"][0]["per_unit"]["cost_usd"]).quantize(D("1e-12")) == \
        (D("3061.25") / 12000).quantize(D("1e-12"))
    assert D(units["user"]["count"]) == 12000 and units["user"]["stock"] is True
    assert D(units["user"]["per_unit"]["cost_usd"]).quantize(D("1e-12")) == D("0.485520833333")  # 5,826.25 / 12,000
    assert "stock" not in units["conversation"] and "stock" not in units["ticket"]
    assert [D(m["count"]) for m in units["conversation"]["months"]] == [31000, 28000]
    assert D(units["conversation"]["per_unit"]["cost_usd"]) == D("0.09875")
    assert [D(m["count"]) for m in units["ticket"]["months"]] == [46500, 42000]

    result = runner.invoke(cli, ["estimate", str(path), "--start", "2027-01", "--months", "2"])
    text = result.output
    assert "chat per user" in text and "chat per conversation" in text
    period = next(line for line in text.splitlines() if line.strip().startswith("period ") and "0.0987" in line)
    assert period.split()[1:3] == ["0.485521", "0.098750"]  # 0.48552083 and 0.09875 to six places
    assert "chat: user 12,000 a month (a count per month: the period's cost over it)" in " ".join(text.split())

    result = runner.invoke(cli, ["estimate", str(path), "--start", "2027-01", "--months", "2", "--format", "csv"])
    rows = [line for line in result.output.splitlines() if line.startswith("# unit cost,")]
    conversation = [r for r in rows if "unit=conversation" in r and "month=total" in r]
    # 3 plans (current, cheapest, all on claude-opus-4-7) x 3 units x (2 months + the period)
    assert len(rows) == 27 and conversation and "units=59000" in conversation[0] \
        and "cost_usd=0.09875," in conversation[0]  # 5,826.25 / 59,000 conversations
    result = runner.invoke(cli, ["estimate", str(path), "--start", "2027-01", "--months", "2", "--format", "html"])
    assert 'class="plan-unit-costs"' in result.output and "chat per conversation" in result.output

    out = tmp_path / "e.xlsx"
    result = runner.invoke(cli, ["estimate", str(path), "--start", "2027-01", "--months", "2", "--format", "xlsx",
                                 "--output", str(out)])
    assert result.exit_code == 0, result.output
    rows = [r for r in openpyxl.load_workbook(out)["Plan"].iter_rows(values_only=True) if r and r[0] == "chat"
            and r[1] in ("user", "conversation")]
    cells = {(r[1], r[2]): (r[3], r[4]) for r in rows}
    assert cells[("conversation", "2027-01")] == (31000, pytest.approx(0.09875))
    assert cells[("user", "period (units a month)")] == (12000, pytest.approx(5826.25 / 12000))


# --- 6. init --shape ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("shape", ["chat", "agent", "batch", "rag"])
def test_init_shape_writes_a_profile_that_estimates(tmp_path, shape):
    from click.testing import CliRunner

    from costcalc.cli import cli

    target = tmp_path / f"{shape}.yaml"
    runner = CliRunner()
    result = runner.invoke(cli, ["init", "--shape", shape, str(target)])
    assert result.exit_code == 0, result.output
    text = target.read_text()
    assert text.startswith("# costcalc starting profile") and f"\n  {shape}:\n" in text
    frame = costcalc.estimate(str(target), start="2027-01", months=2)
    assert total(frame) > 0
    again = runner.invoke(cli, ["init", "--shape", shape, str(target)])
    assert again.exit_code != 0 and "already exists" in again.output  # never overwrites


# --- property tests ---------------------------------------------------------------------------------------

def test_one_turn_conversation_equals_the_plain_profile(tmp_path):
    # 1 turn: prompt = system + user, written whole to cache (nothing to read yet), reply = output
    shaped = write(tmp_path, """\
  one:
    models: [claude-opus-4-7, gpt-5.5]
    conversation:
      conversations_per_day: 777
      turns: 1
      system_tokens: 1234
      user_tokens_per_turn: 56
      reply_tokens_per_turn: 789
      reasoning: high
""")
    plain = tmp_path / "p.yaml"
    plain.write_text("""schema_version: 1
profiles:
  one:
    models: [claude-opus-4-7, gpt-5.5]
    requests_per_day: 777
    input_tokens: 1290
    output_tokens: 789
    reasoning: high
""")
    a, b = (costcalc.estimate(str(p), start="2027-01", months=3) for p in (shaped, plain))
    assert lines(a) == lines(b) and lines(a)



# Rates (USD per 1M) as providers publish them: a cache read costs no more than input, a cache write no
# less. The cost of one conversation from its derived turns, exactly.
RATES = st.tuples(st.integers(0, 50), st.integers(0, 50), st.integers(0, 50), st.integers(0, 100)).map(
    lambda t: {"read": D(min(t[0], t[1])), "input": D(max(t[0], t[1])) if t[2] >= max(t[0], t[1]) else D(t[1]),
               "write": D(max(t[0], t[1], t[2])), "output": D(t[3])})
TOKENS = st.integers(0, 5000).map(D)


def conversation_cost(c: Conversation, rates: dict) -> D:
    read = min(rates["read"], rates["input"])
    write = max(rates["write"], rates["input"])
    return sum((s.weight * (s.input * rates["input"] + s.cache_read * read + s.cache_write * write
                            + s.output * rates["output"]) for s in derive(c.loop())), D(0))


CACHES = st.sampled_from([Caching(), Caching(True), Caching(True, "5m"), Caching(False, "1h")])
HISTORIES = st.one_of(st.just(History()), st.integers(1, 20000).map(lambda n: History("window", D(n))),
                      st.tuples(st.integers(1, 6), TOKENS).map(lambda t: History("summarize", every=t[0],
                                                                                 summary_tokens=t[1])))


@pytest.mark.slow
@settings(max_examples=200, deadline=None)
@given(turns=st.integers(1, 40), system=TOKENS, user=TOKENS, reply=TOKENS, more=st.integers(0, 3000),
       which=st.sampled_from(["turns", "system", "user", "reply"]), cache=CACHES, history=HISTORIES, rates=RATES)
def test_cost_never_falls_when_turns_or_tokens_grow(turns, system, user, reply, more, which, cache, history, rates):
    base = Conversation(D(1), Counts(((turns, D(1)),)), system, user, reply, history=history, cache=cache)
    grown = {"turns": replace(base, turns=Counts(((turns + 1 + more % 5, D(1)),))),
             "system": replace(base, system_tokens=system + more), "user": replace(base, user_tokens=user + more),
             "reply": replace(base, reply_tokens=reply + more)}[which]
    assert conversation_cost(grown, rates) >= conversation_cost(base, rates)


@pytest.mark.slow
@settings(max_examples=200, deadline=None)
@given(steps=st.integers(1, 40), system=TOKENS, task=TOKENS, tool=TOKENS, output=TOKENS, more=st.integers(1, 5),
       cache=CACHES, rates=RATES)
def test_cost_never_falls_when_agent_steps_grow(steps, system, task, tool, output, more, cache, rates):
    from costcalc.workloads.agent import Agent

    base = Agent(D(1), Counts(((steps, D(1)),)), system, task, tool, output, cache=cache)
    grown = replace(base, steps=Counts(((steps + more, D(1)),)))
    assert conversation_cost(grown, rates) >= conversation_cost(base, rates)


@pytest.mark.slow
@settings(max_examples=200, deadline=None)
@given(turns=st.integers(1, 40), system=TOKENS, user=TOKENS, reply=TOKENS, window=st.integers(0, 20000),
       more=st.integers(1, 20000), rates=RATES)
def test_cost_never_falls_when_history_grows(turns, system, user, reply, window, more, rates):
    # without caching (a cache read makes a kept prefix cheaper than a dropped one: a sliding window that
    # breaks the prefix can cost more than the full history, which is why the window is no cache saver)
    def cost(history):
        return conversation_cost(Conversation(D(1), Counts(((turns, D(1)),)), system, user, reply,
                                              history=history), rates)

    assert cost(History("window", D(window + more))) >= cost(History("window", D(window)))
    assert cost(History()) >= cost(History("window", D(window)))


@pytest.mark.slow
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(system=st.integers(0, 300000), user=st.integers(1, 5000), reply=st.integers(0, 5000),
       per_day=st.integers(1, 100000), writes=st.sampled_from(["none", "5m", "1h"]))
def test_one_turn_conversation_equals_plain_profile_property(tmp_path, system, user, reply, per_day, writes):
    # one turn writes its whole prompt when writes are on: the plain profile's cache_write share 1
    shaped = write(tmp_path, f"""\
  one:
    models: [claude-opus-4-7, gpt-5.5]
    conversation:
      conversations_per_day: {per_day}
      turns: 1
      system_tokens: {system}
      user_tokens_per_turn: {user}
      reply_tokens_per_turn: {reply}
      cache: {{reads: {"none" if writes == "none" else "history"}, writes: {writes}}}
""")
    cache = "" if writes == "none" else f"    cache_write: {{ttl: {writes}, share: 1}}\n"
    plain = tmp_path / "p.yaml"
    plain.write_text(f"schema_version: 1\nprofiles:\n  one:\n    models: [claude-opus-4-7, gpt-5.5]\n"
                     f"    requests_per_day: {per_day}\n    input_tokens: {system + user}\n"
                     f"    output_tokens: {reply}\n{cache}")
    a, b = (costcalc.estimate(str(p), start="2027-01", months=2) for p in (shaped, plain))
    assert lines(a) == lines(b)


def lines(frame) -> dict:
    """{(model, month, rule, component): (tokens, cost)}: a frame's lines whatever their order."""
    key = ["model", "month", "rule", "component"]
    return {tuple(str(r[k]) for k in key): (D(str(r["tokens"])), D(str(r["cost_usd"]))) for _, r in frame.iterrows()}


# --- 5. conversation shapes derived from logs with a session id ------------------------------------------

def test_profile_derives_a_conversation_shape_from_logs(tmp_path):
    # Three conversations over 2 observed days (first record 2026-09-01 00:00, last 2026-09-02 12:00):
    # a and b have 3 turns, c one. System 1,000, user 100, reply 200 tokens, full history, so the prompts
    # are 1,100, 1,400, 1,700; turn k >= 2 reads turn k-1's prompt from cache and writes the new 300.
    #   conversations_per_day = 3 / 2 = 1.5; turns: 1 in 1/3 (0.3333), 3 in 2/3 (0.6667, the remainder)
    #   growth per turn 300 - reply 200 = user 100; system = turn 1's prompt 1,100 - 100 = 1,000
    import pandas as pd
    import yaml

    from costcalc.usage.profile import profiles_yaml

    rows = []
    for cid, start, turns in (("a", "2026-09-01T00:00Z", 3), ("b", "2026-09-01T10:00Z", 3),
                              ("c", "2026-09-02T12:00Z", 1)):
        for k in range(turns):
            rows.append({"timestamp": pd.Timestamp(start) + pd.Timedelta(minutes=k), "model": "claude-opus-4-7",
                         "provider": "anthropic", "input_tokens": 0,
                         "cached_tokens": 1100 + 300 * (k - 1) if k else 0,
                         "cache_write_5m_tokens": 300 if k else 1100, "output_tokens": 200, "tag:session": cid})
    document = costcalc.derive_profiles(pd.DataFrame(rows), conversation="tag:session")
    profile = document["profiles"]["claude-opus-4-7"]
    assert "requests_per_day" not in profile and "input_tokens" not in profile
    assert profile["conversation"] == {
        "conversations_per_day": 1.5, "turns": {"histogram": [{"turns": 1, "share": 0.3333},
                                                              {"turns": 3, "share": 0.6667}]},
        "system_tokens": 1000, "user_tokens_per_turn": 100, "reply_tokens_per_turn": 200, "history": "full",
        "cache": {"reads": "history", "writes": "5m"}}
    # the YAML loads and estimates: January 2027, 31 x 1.5 = 46.5 conversations (the derived weekday weights
    # mon 1, tue 1.71, wed 0.29, thu 1, fri-sun 1 give January, 4 of Mon-Thu and 5 of Fri-Sun, 4 x 4 + 5 x 3
    # = 31 average days; the hour weights average 1 by construction); per conversation turn 1
    # (weight 1) writes 1,100; turns 2 and 3 (weight 0.6667 each) read 1,100 and 1,400 and write 300 each;
    # output 200 a turn: writes 1,100 + 0.6667 x 600 = 1,500.02, reads 0.6667 x 2,500 = 1,666.75,
    # output 200 x 2.3334 = 466.68 tokens; x 46.5 conversations x (6.25, 0.50, 25 USD per 1M):
    #   1,500.02 x 46.5 x 6.25 = 435,943.3125; 1,666.75 x 46.5 x 0.5 = 38,751.9375;
    #   466.68 x 46.5 x 25 = 542,515.5 -> 1,017,210.75 / 1M = 1.01721075 USD
    path = tmp_path / "derived.yaml"
    path.write_text(profiles_yaml(document))
    assert yaml.safe_load(path.read_text())["profiles"]["claude-opus-4-7"]["conversation"]["turns"]
    frame = costcalc.estimate(str(path), start="2027-01", months=1)
    assert total(frame) == D("1.01721075")


def test_document_with_shapes_and_units_validates_against_its_schema(tmp_path):
    import json

    import jsonschema
    from click.testing import CliRunner

    from costcalc import schemas
    from costcalc.cli import cli

    path = write(tmp_path, UNITS + TWELVE_STEP_AGENT + "    units: {task: derived, request: derived}\n")
    result = CliRunner().invoke(cli, ["estimate", str(path), "--start", "2027-01", "--months", "2", "--format", "json"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.output)
    validator = jsonschema.Draft202012Validator(schemas.build("estimate"))
    assert [e.message for e in validator.iter_errors(document)] == []
    agent = next(p for p in document["plans"][0]["profiles"] if p["profile"] == "agent")
    # tasks: 100 a day (3,100 in January); requests derived: the users' requests 12 x 3,100 = 37,200
    # (the 39,060 the model receives include the retries)
    counts = {u["unit"]: D(u["months"][0]["count"]) for u in agent["units"]}
    assert counts == {"task": 3100, "request": 37200}
    assert D(agent["months"][0]["requests"]) == 39060
    # so the request unit is labelled as such where it is shown
    text = CliRunner().invoke(cli, ["estimate", str(path), "--start", "2027-01", "--months", "2"]).output
    flat = " ".join(text.split())
    assert "agent per request (retries not counted)" in flat and "agent: request (retries not counted)" in flat
    assert "agent per task" in flat and "task (retries" not in flat
    turns = document["meta"]["profiles"]["chat"]["turns"]
    assert [t["cache_read"] for t in turns] == ["0", "2150", "2700", "3250", "3800", "4350"]


def test_a_plain_profile_under_a_default_conversation(tmp_path):
    path = tmp_path / "d.yaml"
    path.write_text("""schema_version: 1
defaults:
  models: [gpt-5.5]
  conversation: {conversations_per_day: 10, turns: 3, user_tokens_per_turn: 10, reply_tokens_per_turn: 10}
profiles:
  shaped: {}
  plain: {requests_per_day: 5, input_tokens: 100, output_tokens: 10}
""")
    loaded = costcalc.load_workloads(str(path))
    shaped, plain = loaded.profiles
    assert shaped.shape is not None and plain.shape is None and plain.requests_per_day == 5


def test_turns_frame_per_model(tmp_path):
    # claude-opus-4-7 counts (tokens_counted_with its own tokenizer) on gpt-5.5 (o200k_base, 1/1.3 of them):
    # turn 1's prompt 2,150 / 1.3 = 1,653.8 -> 1,654 written; turn 2's prompt 2,700 / 1.3 = 2,076.9 -> 2,077,
    # its read 1,654 (turn 1's prompt), written the rest 423; the reply 400 / 1.3 = 307.7 -> 308
    frame = costcalc.turns(str(write(tmp_path, SIX_TURN_CHAT)), models=["claude-opus-4-7", "gpt-5.5"])
    opus = frame[frame["model"] == "claude-opus-4-7"]
    assert [D(str(v)) for v in opus["cache_read"]] == [0, 2150, 2700, 3250, 3800, 4350]
    gpt = frame[frame["model"] == "gpt-5.5"].head(2)
    assert [(D(str(p)), D(str(r)), D(str(w)), D(str(o))) for p, r, w, o in
            zip(gpt["prompt"], gpt["cache_read"], gpt["cache_write"], gpt["output"])] == \
        [(1654, 0, 1654, 308), (2077, 1654, 423, 308)]
    assert list(frame["turn"][:2]) == [1, 2] and not frame["summary_call"].any()


def test_shape_modules_are_pure():
    # the derivations read no files, clock, environment or network: they import none of the modules that
    # do, and call no open()
    import ast
    from pathlib import Path

    from costcalc import shapes
    from costcalc.report import unitcosts
    from costcalc.usage import conversations as log_conversations
    from costcalc.workloads import agent, conversation, failures, units

    io_modules = {"os", "io", "pathlib", "time", "datetime", "socket", "urllib", "http", "requests", "subprocess"}
    for module in (shapes, conversation, agent, failures, units, log_conversations, unitcosts):
        tree = ast.parse(Path(module.__file__).read_text(encoding="utf-8"))
        imported = {alias.name.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.Import)
                    for alias in node.names}
        imported |= {node.module.split(".")[0] for node in ast.walk(tree)
                     if isinstance(node, ast.ImportFrom) and node.module and node.level == 0}
        assert not imported & io_modules, (module.__name__, imported & io_modules)
        calls = {node.func.id for node in ast.walk(tree) if isinstance(node, ast.Call)
                 and isinstance(node.func, ast.Name)}
        assert "open" not in calls, module.__name__


def test_sensitivity_names_a_shapes_inputs_as_its_file_does(tmp_path):
    # conversations_per_day {500, 1000, 2000} and reasoning {0, 0, 100} per turn on the six turns, January 2027:
    #   volume: 31 x 500 = 15,500 and 31 x 2,000 = 62,000 conversations x 0.09875 = 1,530.625 and 6,122.50
    #   reasoning high: 6 turns x 100 = 600 tokens x 25 USD per 1M (billed as output) = 0.015 per conversation,
    #   31,000 x 0.015 = 465 more: 3,526.25; low (0) = expected = 3,061.25
    text = SIX_TURN_CHAT.replace("conversations_per_day: 1000", "conversations_per_day: {low: 500, expected: 1000, "
                             "high: 2000}") + "      reasoning: {low: 0, expected: 0, high: 100}\n"
    frame = costcalc.sensitivity(str(write(tmp_path, text)), start="2027-01", months=1)
    rows = {r["input"]: (D(str(r["low_usd"])), D(str(r["high_usd"]))) for _, r in frame.iterrows()}
    assert rows == {"conversation.conversations_per_day": (D("1530.625"), D("6122.5")),
                    "conversation.reasoning": (D("3061.25"), D("3526.25"))}
