"""Points Google's own Python SDK (google-genai) at a running `gembatch mock` and checks that it
parses everything: generate, stream, JSON mode with a schema, function calling, search and Maps
grounding, thinking (MEDIUM on 3.1 Pro), image output read back as inline_data, a shut-down model's
routing, service tiers, countTokens, models.list matching what the mock accepts, a 404, and a 429
that the SDK's retry recovers from.

Usage: python sdk-check.py http://127.0.0.1:PORT
Exit 0 when every check passed; prints one line per check.
"""

import json
import sys
import urllib.request

from google import genai
from google.genai import errors, types
from pydantic import BaseModel

BASE = sys.argv[1].rstrip("/")
FAILED = []


def check(name):
    def wrap(fn):
        try:
            fn()
            print(f"ok    {name}")
        except Exception as e:  # noqa: BLE001 - report every failure and go on
            FAILED.append(name)
            print(f"FAIL  {name}: {type(e).__name__}: {e}")
        return fn

    return wrap


def stats():
    # The mock's key guards /mock/* as it guards the API.
    req = urllib.request.Request(BASE + "/mock/stats", headers={"x-goog-api-key": "sdk-check-key"})
    with urllib.request.urlopen(req) as r:
        return json.load(r)


client = genai.Client(api_key="sdk-check-key", http_options=types.HttpOptions(base_url=BASE))
retrying = genai.Client(
    api_key="sdk-check-key",
    http_options=types.HttpOptions(
        base_url=BASE,
        retry_options=types.HttpRetryOptions(attempts=3, initial_delay=0.2, max_delay=1.0),
    ),
)


@check("generate_content (text, usage)")
def _():
    r = client.models.generate_content(model="gemini-3.8-flash", contents="Say hello")
    assert r.text and r.text.startswith("Mock answer"), r.text
    u = r.usage_metadata
    assert u.total_token_count == u.prompt_token_count + u.candidates_token_count + (u.thoughts_token_count or 0)
    assert r.candidates[0].finish_reason == types.FinishReason.STOP
    assert r.model_version == "gemini-3.8-flash" and r.response_id


@check("generate_content_stream (SSE)")
def _():
    chunks = list(client.models.generate_content_stream(model="gemini-3.8-flash", contents="Stream a story"))
    assert len(chunks) >= 2, len(chunks)
    text = "".join(c.text or "" for c in chunks)
    assert text.startswith("Mock answer"), text
    assert chunks[-1].candidates[0].finish_reason == types.FinishReason.STOP
    assert all(c.usage_metadata is not None for c in chunks)


class Invoice(BaseModel):
    number: str
    total: float
    lines: list[str]


@check("JSON mode with response_schema (pydantic) -> parsed")
def _():
    r = client.models.generate_content(
        model="gemini-3.8-flash",
        contents="Extract the invoice",
        config=types.GenerateContentConfig(response_mime_type="application/json", response_schema=Invoice),
    )
    assert isinstance(r.parsed, Invoice), r.text


@check("JSON mode with response_json_schema")
def _():
    schema = {
        "type": "object",
        "properties": {"day": {"type": "string", "format": "date"}, "kind": {"enum": ["a", "b"]}},
        "required": ["day", "kind"],
    }
    r = client.models.generate_content(
        model="gemini-2.5-flash-lite",
        contents="Pick a day",
        config=types.GenerateContentConfig(response_mime_type="application/json", response_json_schema=schema),
    )
    v = json.loads(r.text)
    assert v["kind"] in ("a", "b") and len(v["day"]) == 10, v


@check("function calling (mode ANY)")
def _():
    decl = types.FunctionDeclaration(
        name="get_weather",
        description="Weather for a city",
        parameters=types.Schema(
            type=types.Type.OBJECT,
            properties={"city": types.Schema(type=types.Type.STRING), "days": types.Schema(type=types.Type.INTEGER)},
            required=["city"],
        ),
    )
    r = client.models.generate_content(
        model="gemini-3-flash-preview",
        contents="What's the weather in Paris?",
        config=types.GenerateContentConfig(
            tools=[types.Tool(function_declarations=[decl])],
            tool_config=types.ToolConfig(function_calling_config=types.FunctionCallingConfig(mode="ANY")),
            automatic_function_calling=types.AutomaticFunctionCallingConfig(disable=True),
        ),
    )
    calls = r.function_calls
    assert calls and calls[0].name == "get_weather" and isinstance(calls[0].args.get("city"), str), calls
    assert r.candidates[0].content.parts[0].thought_signature, "no thought signature"
    # google-genai does not map finishMessage onto Candidate (checked with 3.6.1); the raw body has it.
    assert r.candidates[0].finish_reason == types.FinishReason.STOP


@check("google_search grounding")
def _():
    r = client.models.generate_content(
        model="gemini-3.1-pro-preview",
        contents="Who won the match yesterday?",
        config=types.GenerateContentConfig(tools=[types.Tool(google_search=types.GoogleSearch())]),
    )
    g = r.candidates[0].grounding_metadata
    assert g.grounding_chunks and g.grounding_chunks[0].web.uri.startswith("https://vertexaisearch.cloud.google.com/")
    assert g.grounding_supports and g.web_search_queries and g.search_entry_point.rendered_content
    assert r.usage_metadata.tool_use_prompt_token_count > 0


@check("google_maps grounding")
def _():
    r = client.models.generate_content(
        model="gemini-3.8-flash",
        contents="Coffee near the Louvre",
        config=types.GenerateContentConfig(tools=[types.Tool(google_maps=types.GoogleMaps())]),
    )
    g = r.candidates[0].grounding_metadata
    maps = [c.maps for c in g.grounding_chunks if c.maps]
    assert maps and maps[0].place_id.startswith("places/") and maps[0].uri.startswith("https://maps.google.com/"), g
    assert g.grounding_supports


@check("thinking with include_thoughts (budget, 2.5 Flash-Lite)")
def _():
    r = client.models.generate_content(
        model="gemini-2.5-flash-lite",
        contents="Think first",
        config=types.GenerateContentConfig(thinking_config=types.ThinkingConfig(include_thoughts=True, thinking_budget=1024)),
    )
    parts = r.candidates[0].content.parts
    assert parts[0].thought is True and parts[1].thought_signature
    assert r.usage_metadata.thoughts_token_count > 0


@check("thinking_level MEDIUM on 3.1 Pro")
def _():
    r = client.models.generate_content(
        model="gemini-3.1-pro-preview",
        contents="Think at medium",
        config=types.GenerateContentConfig(thinking_config=types.ThinkingConfig(thinking_level="MEDIUM")),
    )
    assert r.text and r.usage_metadata.thoughts_token_count > 0


@check("thinking_level MINIMAL on 3.1 Pro -> ClientError 400")
def _():
    try:
        client.models.generate_content(
            model="gemini-3.1-pro-preview",
            contents="x",
            config=types.GenerateContentConfig(thinking_config=types.ThinkingConfig(thinking_level="MINIMAL")),
        )
    except errors.ClientError as e:
        assert e.code == 400 and "thinking_level MINIMAL is not supported" in e.message, e.message
    else:
        raise AssertionError("no error")


@check("image output read back as inline_data")
def _():
    r = client.models.generate_content(
        model="gemini-2.5-flash-image",
        contents="A lighthouse at dusk",
        config=types.GenerateContentConfig(response_modalities=["TEXT", "IMAGE"]),
    )
    images = [p.inline_data for p in r.candidates[0].content.parts if p.inline_data]
    assert images and images[0].mime_type == "image/png", r.candidates[0].content.parts
    assert images[0].data[:8] == b"\x89PNG\r\n\x1a\n", images[0].data[:8]
    details = {d.modality: d.token_count for d in r.usage_metadata.candidates_tokens_details}
    assert details.get(types.MediaModality.IMAGE) == 1290, details


@check("image output asked of a text model -> ClientError 400")
def _():
    try:
        client.models.generate_content(
            model="gemini-3.8-flash", contents="x", config=types.GenerateContentConfig(response_modalities=["IMAGE"])
        )
    except errors.ClientError as e:
        assert e.code == 400 and "response modalities" in e.message, e.message
    else:
        raise AssertionError("no error")


@check("a shut-down model answers as the model it routes to")
def _():
    r = client.models.generate_content(model="gemini-2.5-pro", contents="Still there?")
    assert r.model_version == "gemini-3.8-flash", r.model_version


@check("service_tier flex")
def _():
    r = client.models.generate_content(
        model="gemini-3.8-flash", contents="Cheap please", config=types.GenerateContentConfig(service_tier="flex")
    )
    assert r.text
    h = (r.sdk_http_response.headers or {}) if r.sdk_http_response else {}
    tier = {k.lower(): v for k, v in h.items()}.get("x-gemini-service-tier")
    assert tier == "flex", h


@check("count_tokens")
def _():
    r = client.models.count_tokens(model="gemini-3.8-flash", contents="abcdefgh")
    assert r.total_tokens == 2, r


@check("models.list (all pages) matches what the mock accepts")
def _():
    models = list(client.models.list(config={"page_size": 5}))
    names = [m.name for m in models]
    assert "models/gemini-3.8-flash" in names and "models/gemini-3.1-pro-preview" in names, names
    assert "models/gemini-3-pro-preview" not in names, names  # shut down: not listed
    assert len(names) == len(set(names)) and len(names) > 5, names
    for m in models:
        client.models.count_tokens(model=m.name, contents="x")  # every listed model is accepted
    assert client.models.get(model="gemini-3.1-pro-preview").output_token_limit == 65536


@check("unknown model -> ClientError 404")
def _():
    try:
        client.models.generate_content(model="gemini-9-nope", contents="x")
    except errors.ClientError as e:
        assert e.code == 404 and e.status == "NOT_FOUND", (e.code, e.status)
    else:
        raise AssertionError("no error")


@check("thinking level on 2.5 -> ClientError 400")
def _():
    try:
        client.models.generate_content(
            model="gemini-2.5-flash-lite",
            contents="x",
            config=types.GenerateContentConfig(thinking_config=types.ThinkingConfig(thinking_level="LOW")),
        )
    except errors.ClientError as e:
        assert e.code == 400 and "Thinking level is not supported" in e.message, e.message
    else:
        raise AssertionError("no error")


@check("429 then success through HttpRetryOptions")
def _():
    before = stats()["byStatus"].get("429", 0)
    r = retrying.models.generate_content(model="gemini-3.8-flash", contents="retry me [[mock:rate-limited*1]]")
    assert r.text
    after = stats()["byStatus"].get("429", 0)
    assert after == before + 1, (before, after)


@check("503 without retry -> ServerError")
def _():
    try:
        client.models.generate_content(model="gemini-3.8-flash", contents="[[mock:overloaded]]")
    except errors.ServerError as e:
        assert e.code == 503 and e.status == "UNAVAILABLE"
    else:
        raise AssertionError("no error")


def batch_mode_checks():
    """Batch Mode through the SDK's own calls: upload a JSONL file, create a batch from its name,
    poll with batches.get until it ends, download the output and match its lines by key."""
    import os
    import tempfile
    import time

    @check("Batch Mode: files.upload, batches.create(src=file), batches.get, files.download")
    def _():
        lines = [
            {"key": f"k{i}", "request": {"contents": [{"parts": [{"text": f"Batch question {i}"}]}]}} for i in range(3)
        ]
        with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False) as f:
            for line in lines:
                f.write(json.dumps(line) + "\n")
            path = f.name
        try:
            uploaded = client.files.upload(file=path, config={"display_name": "sdk-batch", "mime_type": "jsonl"})
        finally:
            os.unlink(path)
        assert uploaded.name.startswith("files/"), uploaded.name
        job = client.batches.create(model="gemini-3.8-flash", src=uploaded.name, config={"display_name": "sdk-check"})
        assert job.name.startswith("batches/"), job.name
        ended = {"JOB_STATE_SUCCEEDED", "JOB_STATE_FAILED", "JOB_STATE_CANCELLED", "JOB_STATE_EXPIRED"}
        deadline = time.time() + 60
        while job.state.name not in ended:
            assert time.time() < deadline, f"still {job.state.name}"
            time.sleep(0.5)
            job = client.batches.get(name=job.name)
        assert job.state.name == "JOB_STATE_SUCCEEDED", job.state
        assert job.dest and job.dest.file_name, job.dest
        data = client.files.download(file=job.dest.file_name)
        out = [json.loads(x) for x in data.decode().splitlines() if x.strip()]
        by_key = {o["key"]: o for o in out}
        assert set(by_key) == {"k0", "k1", "k2"}, by_key.keys()
        for o in out:
            assert o["response"]["candidates"][0]["content"]["parts"][0]["text"].startswith("Mock answer"), o
        s = stats()
        assert s["batchesCreated"] >= 1 and s["filesUploaded"] >= 1, s
        client.files.delete(name=uploaded.name)


batch_mode_checks()

if FAILED:
    print(f"{len(FAILED)} check(s) failed")
    sys.exit(1)
print("all SDK checks passed")
