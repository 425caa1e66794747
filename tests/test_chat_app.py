"""Chat UI callbacks, knowledge base and queue with deterministic doubles (no browser)."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import pytest
from fakes import EchoGenerator, HashEmbedder

from assistant import Assistant, InputError, Settings
from assistant.answer.converse import needs_context, noun_phrase, rewrite_question, slot_noun
from assistant.web.app import ChatApp, Session
from assistant.web.chat import ChatOptions, ChatService
from assistant.web.gen_queue import GenerationQueue
from assistant.web.kb import KnowledgeBase, safe_filename

DOCS = {
    "fund.txt": "广西人工智能产业基金\n今年2月，广西设立规模100亿元的人工智能产业基金。基金重点投向算力、模型和应用。",
    "center.txt": "南A中心\n中国—东盟人工智能创新合作中心又被称为南A中心，首批16家东盟企业签约入驻。",
    "dam.txt": "青松湖水库\n青松湖水库于2019年3月18日开工建设。青松湖水库总库容为3200万立方米。",
}


def _last(iterable):
    out = None
    for out in iterable:  # noqa: B007 - we want the final snapshot
        pass
    return out


@pytest.fixture()
def setup(tmp_path: Path):
    docs = tmp_path / "docs"
    docs.mkdir()
    for name, text in DOCS.items():
        (docs / name).write_text(text, encoding="utf-8")
    settings = Settings(index_root=tmp_path / "index", upload_dir=tmp_path / "uploads", progress=False,
                        max_upload_mb=0.01)
    gen = EchoGenerator(rewrites={"那它是哪天开工的？": "青松湖水库"}, fail_if="爆炸")
    bot = Assistant(settings, embedder=HashEmbedder(), generator=gen)
    kb = KnowledgeBase(bot, [docs], name="chat-test")
    kb.rebuild()
    service = ChatService(bot, kb, poll_seconds=0.05)
    return ChatApp(service), gen, docs, tmp_path


def test_submit_streams_then_links_citations_to_highlighted_sources(setup) -> None:
    app, _, _, _ = setup
    snapshots = list(app.submit("广西设立的人工智能产业基金规模是多少？", Session()))
    assert len(snapshots) >= 3  # placeholder, streamed pieces, final
    first_messages = snapshots[0][0]
    assert first_messages[0] == {"role": "user", "content": "广西设立的人工智能产业基金规模是多少？"}
    streamed = [s[0][-1]["content"] for s in snapshots[1:-1]]
    assert any("100亿" not in c for c in streamed) and any("100亿" in c for c in streamed)
    messages, sources, session, box, _ = snapshots[-1]
    bubble = messages[-1]["content"]
    assert '<a class="cite" href="#src-0-1"' in bubble and "100亿元" in bubble
    assert "首字" in bubble and "总计" in bubble  # latency caption
    assert 'id="src-0-1"' in sources and "fund.txt" in sources
    assert '<mark class="cited-span">' in sources and "第 1 行" in sources
    assert box == "" and len(session.answers) == 1 and "100亿元" in session.turns[0][1]


def test_follow_up_is_rewritten_and_caption_shown(setup) -> None:
    app, gen, _, _ = setup
    session = _last(app.submit("青松湖水库的总库容是多少？", Session()))[2]
    messages, sources, session, _, _ = _last(app.submit("那它是哪天开工的？", session))
    bubble = messages[-1]["content"]
    assert "改写后的问题：青松湖水库是哪天开工的？" in bubble
    assert "2019年3月18日" in bubble
    rewrite_call = [c for c in gen.calls if "追问" in c[0]["content"]][-1]
    assert "青松湖水库的总库容是多少？" in rewrite_call[1]["content"]  # history reached the rewriter
    assert len(session.answers) == 2 and 'data-turn="1"' in sources
    assert '<details class="turn">' in sources  # the first answer's sources folded below


def test_refusal_is_plain_and_shows_what_was_found(setup) -> None:
    app, _, _, _ = setup
    messages, sources, _, _, _ = _last(app.submit("不存在的南A中心楼层面积是多少？", Session()))
    assert "文档中没有找到这个问题的答案" in messages[-1]["content"]
    assert "cite" not in messages[-1]["content"]
    assert "检索到的最相关段落" in sources and 'class="source"' in sources


def test_error_is_shown_in_that_chat_and_app_keeps_serving(setup) -> None:
    app, _, _, _ = setup
    messages, _, session, _, _ = _last(app.submit("爆炸 基金规模是多少？", Session()))
    assert "出错了" in messages[-1]["content"] and "simulated model failure" in messages[-1]["content"]
    assert session.answers == []
    messages, _, _, _, _ = _last(app.submit("基金规模是多少？", session))
    assert "100亿元" in messages[-1]["content"]


def test_too_long_question_is_a_readable_error(setup) -> None:
    app, _, _, _ = setup
    messages, _, _, _, _ = _last(app.submit("问" * 3000, Session()))
    assert "出错了" in messages[-1]["content"] and "limit" in messages[-1]["content"]


def test_settings_apply_per_session(setup) -> None:
    app, _, _, _ = setup
    narrow = app.set_options(Session(), "default", 1, 1.0, 1.0, "en")
    wide = Session()
    a1 = _last(app.submit("南A中心首批有多少家企业入驻？", narrow))[2].answers[0]
    a2 = _last(app.submit("南A中心首批有多少家企业入驻？", wide))[2].answers[0]
    assert len(a1.hits) == 1 and len(a2.hits) == 3
    assert wide.options == ChatOptions()  # the other session is untouched
    with pytest.raises(InputError):
        app.set_options(Session(), "huge", 4, 1.0, 1.0, "auto")


def test_english_interface_text(setup) -> None:
    app, _, _, _ = setup
    session = Session(ui_lang="en")
    messages, sources, _, _, _ = _last(app.submit("不存在的企业数量？", session))
    # The interface speaks English; the refusal speaks the question's language.
    assert "文档中没有找到" in messages[-1]["content"] and "total" in messages[-1]["content"]
    assert "closest passages" in sources


def test_upload_gbk_file_sanitised_and_indexed(setup) -> None:
    app, _, _, tmp = setup
    src = tmp / "incoming"
    src.mkdir()
    gbk = src / "水库.txt"
    gbk.write_bytes("白鹭湾大桥\n白鹭湾大桥全长1280米，于2021年通车。".encode("gbk"))
    before = app.service.kb.assistant.current_index
    rows, msg, _, _ = app.upload([str(gbk)], Session())
    assert "索引完成" in msg
    assert rows[-1][:2] == ["水库.txt", "已索引"]
    # The upload was added to the existing index: only its own chunks were embedded.
    report = app.service.kb.last_report
    assert report is not None and (report.added, report.removed) == (1, 0)
    assert before is not None and report.embedded == report.chunks - len(before.chunks)
    messages, _, _, _, _ = _last(app.submit("白鹭湾大桥全长多少米？", Session()))
    assert "1280米" in messages[-1]["content"]
    # Same name again: stored beside, never overwriting.
    rows, _, _, _ = app.upload([str(gbk)], Session())
    names = [r[0] for r in rows]
    assert "水库.txt" in names and "水库-1.txt" in names


def test_upload_refusals_keep_other_files(setup) -> None:
    app, _, _, tmp = setup
    src = tmp / "incoming"
    src.mkdir()
    big = src / "big.txt"
    big.write_text("大" * 20000, encoding="utf-8")  # > 0.01 MB limit of this fixture
    exe = src / "tool.exe"
    exe.write_bytes(b"MZ")
    ok = src / "ok.md"
    ok.write_text("# 标题\n这是一份可以接收的小文件，内容讲述港口吞吐量为五百万吨。", encoding="utf-8")
    rows, msg, _, _ = app.upload([str(big), str(exe), str(ok)], Session())
    assert '未接收 <span class="file">big.txt</span>：文件超过 0.01 MB 的上传上限' in msg
    assert '未接收 <span class="file">tool.exe</span>：不支持这种文件类型' in msg
    assert "upload limit" in msg and "unsupported" in msg  # the technical detail, folded away
    assert [r[0] for r in rows if r[0] == "ok.md"] == ["ok.md"]
    assert not (tmp / "uploads" / "big.txt").exists()


def test_delete_upload_removes_file_and_source_is_only_hidden(setup) -> None:
    app, _, docs, tmp = setup
    kb = app.service.kb
    up = kb.add_upload(_write(tmp / "x.txt", "临时文件讲述一座灯塔的高度为四十二米。"))
    kb.rebuild()
    rows, msg, _, _ = app.delete(str(up), Session())
    assert not up.exists() and "已删除" in msg
    rows, _, _, _ = app.delete(str(docs / "center.txt"), Session())
    assert (docs / "center.txt").exists()  # the user's folder is never written to
    assert "center.txt" not in [r[0] for r in rows]
    answer = _last(app.submit("南A中心首批有多少家企业入驻？", Session()))[2].answers[0]
    assert all("center.txt" not in h.chunk.source for h in answer.hits)
    with pytest.raises(InputError):
        kb.delete(tmp / "nowhere.txt")


def test_fast_profile_shares_index_and_follows_rebuilds(setup) -> None:
    app, _, _, tmp = setup
    base = app.service.base
    fast_gen = EchoGenerator()  # the double stands in for the 0.5B model
    # A real model id (its answerability calibration is shipped), the double as the model.
    fast = Assistant(base.settings.replace(generator=base.settings.fast_generator), embedder=base.embedder,
                     generator=fast_gen)
    fast.use_index(base.current_index)
    app = ChatApp(ChatService(base, app.service.kb, profiles={"fast": fast}))
    assert app.service.assistant_for("fast") is fast
    assert fast.current_index is base.current_index
    # What ChatService makes on first use: same embedder and index, no second copy.
    made = base.variant(generator="other-test")
    assert made.embedder is base.embedder and made.current_index is base.current_index
    session = app.set_options(Session(), "fast", 4, 1.0, 1.0, "auto")
    app.upload([str(_write(tmp / "港口.txt", "钦州港二期码头年吞吐能力为三千万吨。"))], session)
    assert fast.current_index is base.current_index  # swapped with the default profile
    messages, _, _, _, _ = _last(app.submit("钦州港二期码头年吞吐能力是多少？", session))
    assert "三千万吨" in messages[-1]["content"] and fast_gen.calls


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(("given", "expected"), [
    ("../../etc/passwd.txt", "passwd.txt"),
    ("..\\..\\win.ini.md", "win.ini.md"),
    (".hidden.txt", "hidden.txt"),
    ("报告 2024<终稿>.PDF", "报告 2024_终稿_.pdf"),
    ("a\x00b.txt", "a_b.txt"),
])
def test_safe_filename(given: str, expected: str) -> None:
    assert safe_filename(given) == expected


@pytest.mark.parametrize("bad", ["notes", "evil.sh", "x.txt.exe"])
def test_safe_filename_refuses_unsupported(bad: str) -> None:
    with pytest.raises(InputError, match="unsupported"):
        safe_filename(bad)


def test_generation_queue_is_fifo_with_positions() -> None:
    q = GenerationQueue()
    a, b, c = q.join(), q.join(), q.join()
    assert (a.position(), b.position(), c.position()) == (0, 1, 2)
    b.leave()  # someone closed the tab while waiting
    assert c.position() == 1
    a.leave()
    assert c.position() == 0 and len(q) == 1


def test_concurrent_users_wait_with_visible_position(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "fund.txt").write_text(DOCS["fund.txt"], encoding="utf-8")
    settings = Settings(index_root=tmp_path / "index", upload_dir=tmp_path / "up", progress=False)
    gen = EchoGenerator(delay=0.05)
    bot = Assistant(settings, embedder=HashEmbedder(), generator=gen)
    kb = KnowledgeBase(bot, [docs], name="q")
    kb.rebuild()
    service = ChatService(bot, kb, poll_seconds=0.02)
    stages: dict[str, list[str]] = {"a": [], "b": []}
    active = []

    def run(name: str) -> None:
        for update in service.respond("基金规模是多少？"):
            stages[name].append(update.stage)
            if update.stage == "answering":
                active.append(name)

    t1 = threading.Thread(target=run, args=("a",))
    t1.start()
    time.sleep(0.1)
    t2 = threading.Thread(target=run, args=("b",))
    t2.start()
    t1.join(10)
    t2.join(10)
    assert stages["a"][-1] == stages["b"][-1] == "done"
    assert "queued" in stages["b"] and "queued" not in stages["a"]
    # Never interleaved: all of a's streamed pieces come before b's.
    assert active == sorted(active)


def test_needs_context() -> None:
    assert needs_context("那它是哪天开工的？")
    assert needs_context("几号？")
    assert needs_context("When did it open?")
    assert not needs_context("广西设立的人工智能产业基金规模是多少？")
    assert not needs_context("How many ASEAN companies joined the centre first?")
    assert not needs_context("请介绍南A中心：它的首批东盟企业有几家？")  # names its own referent
    assert needs_context("那它的首批东盟企业有几家？")
    assert needs_context("这个基金是哪个地区设立的？")


def test_demonstrative_noun_keeps_its_referent_from_the_history(tmp_path: Path) -> None:
    """Issue 12: "这个基金" after the fund question became "广西是哪个地区设立的？"."""
    history = [("广西今年2月设立的人工智能产业基金规模是多少？", "100亿元[1]")]
    assert slot_noun("这个基金是哪个地区设立的？") == "基金"
    assert slot_noun("它是在哪个月设立的？") is None
    assert noun_phrase("基金", history) == "人工智能产业基金"
    assert noun_phrase("中心", [("中国—东盟人工智能创新合作中心是哪天开工的？", "4月3日")]) == \
        "中国—东盟人工智能创新合作中心"
    assert noun_phrase("企业", [("南A中心首批入驻了多少家东盟企业？", "16家")]) == "东盟企业"
    assert noun_phrase("水库", history) is None
    # The history names the fund: no model call (a rewriter answering "广西" is never asked).
    gen = EchoGenerator(rewrites={"这个基金是哪个地区设立的？": "广西"})
    out = rewrite_question(gen, history, "这个基金是哪个地区设立的？", Settings().prompts_dir)
    assert out == "人工智能产业基金是哪个地区设立的？" and gen.calls == []


def test_file_deleted_after_listing_does_not_fail_the_rebuild(tmp_path: Path, monkeypatch) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "fund.txt").write_text(DOCS["fund.txt"], encoding="utf-8")
    settings = Settings(index_root=tmp_path / "index", upload_dir=tmp_path / "up", progress=False)
    kb = KnowledgeBase(Assistant(settings, embedder=HashEmbedder(), generator=EchoGenerator()), [docs],
                       name="gone")
    listed = [*kb.files(), docs / "deleted-meanwhile.txt"]
    monkeypatch.setattr(kb, "files", lambda: listed)
    report = kb.rebuild()
    assert report.documents == 1


def test_a_figure_is_no_referent_the_last_questions_subject_is() -> None:
    """Seen with the real model: "它是在哪个月设立的？" got the referent "2月"."""
    history = [("广西今年2月设立的人工智能产业基金规模是多少？", "100亿元[2]"),
               ("人工智能产业基金是哪个地区设立的？", "资料中没有找到该问题的答案。")]
    gen = EchoGenerator(rewrites={"它是在哪个月设立的？": "2月"})
    out = rewrite_question(gen, history, "它是在哪个月设立的？", Settings().prompts_dir)
    assert out == "人工智能产业基金是在哪个月设立的？" and len(gen.calls) == 1


class _SlowIndexing(HashEmbedder):
    """Embeds passages slowly (as a big upload would), queries at full speed."""

    def embed_documents(self, texts):
        time.sleep(3.0)
        return super().embed_documents(texts)


def test_rebuild_does_not_block_chat(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "fund.txt").write_text(DOCS["fund.txt"], encoding="utf-8")
    settings = Settings(index_root=tmp_path / "index", upload_dir=tmp_path / "up", progress=False)
    bot = Assistant(settings, embedder=_SlowIndexing(), generator=EchoGenerator())
    kb = KnowledgeBase(bot, [docs], name="slow")
    kb.rebuild()
    service = ChatService(bot, kb)
    kb.add_upload(_write(tmp_path / "new.txt", "新上传的文件：防城港年吞吐量为一亿吨。"))
    builder = threading.Thread(target=kb.rebuild)
    builder.start()
    time.sleep(0.2)
    assert kb.busy
    final = _last(service.respond("基金规模是多少？"))
    assert final.stage == "done" and "100亿元" in final.text
    assert kb.busy  # answered from the old index while the rebuild was still running
    builder.join()
    assert not kb.busy and len(bot.current_index.documents) == 2


def test_warm_up_runs_each_answer_prompt_once(tmp_path: Path) -> None:
    gen = EchoGenerator()
    bot = Assistant(Settings(index_root=tmp_path / "i", progress=False), embedder=HashEmbedder(), generator=gen)
    assert bot.warm_up() >= 0
    # One scoring step per answer language (the prefixes real questions share), then
    # the translation prompt English questions share.
    translate = (bot.settings.prompts_dir / "translate_en.txt").read_text(encoding="utf-8").strip()
    assert [c[0]["content"] for c in gen.calls] == [bot.prompts("en").system, bot.prompts("zh").system,
                                                     translate]
    assert not bot.queries._translations  # the warm-up cached no translation


def test_conversation_survives_deleting_a_cited_file(setup) -> None:
    """Issue: deleting a file broke every later turn that showed its passages."""
    app, _, _, tmp = setup
    kb = app.service.kb
    up = kb.add_upload(_write(tmp / "lighthouse.txt", "白沙灯塔\n白沙灯塔的高度为四十二米，建于1990年。"))
    kb.rebuild()
    session = Session()
    first = _last(app.submit("白沙灯塔的高度是多少？", session))
    session = first[2]
    assert "四十二米" in session.answers[-1].text
    app.delete(str(up), session)
    later = _last(app.submit("南A中心首批有多少家企业入驻？", session))
    messages, sources = later[0], later[1]  # submit yields (messages, sources html, session, textbox)
    assert "16家" in messages[-1]["content"]
    assert "Error" not in sources and "unknown document" not in sources
    assert "lighthouse.txt" in sources and "该文件已从知识库删除" in sources
    assert "四十二米" in sources  # the earlier answer's passage, as it was cited


# -- issue 12: the wait, stop, the queue estimate, the knowledge-base wording ----------


class _LongGenerator(EchoGenerator):
    """Writes a long answer slowly and records whether its stream was closed early."""

    def __init__(self, delay: float = 0.05) -> None:
        super().__init__()
        self.piece_delay = delay
        self.closed = threading.Event()

    def stream_chat(self, messages, max_tokens, ban_first=()):
        if "追问" in messages[0]["content"]:
            yield from super().stream_chat(messages, max_tokens, ban_first)
            return
        self.calls.append(list(messages))
        try:
            for _ in range(400):
                time.sleep(self.piece_delay)
                yield "基金"
        finally:
            self.closed.set()


def _service(tmp_path: Path, gen, poll: float = 0.02) -> ChatService:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "fund.txt").write_text(DOCS["fund.txt"], encoding="utf-8")
    settings = Settings(index_root=tmp_path / "index", upload_dir=tmp_path / "up", progress=False)
    bot = Assistant(settings, embedder=HashEmbedder(), generator=gen)
    kb = KnowledgeBase(bot, [docs], name="stop")
    kb.rebuild()
    return ChatService(bot, kb, poll_seconds=poll)


def test_stages_are_reported_in_order_with_elapsed_time(tmp_path: Path) -> None:
    service = _service(tmp_path, EchoGenerator(delay=0.05))
    updates = list(service.respond("基金规模是多少？", options=ChatOptions(top_k=2)))
    stages = [u.stage for u in updates]
    order = ["searching", "reading", "answering", "done"]
    assert [s for s in dict.fromkeys(stages)] == order, stages
    reading = next(u for u in updates if u.stage == "reading")
    assert reading.passages == 1  # one document of one passage: all that retrieval found
    elapsed = [u.elapsed for u in updates]
    assert elapsed == sorted(elapsed) and elapsed[-1] > 0


def test_progress_bubble_names_the_stage_and_elapsed_seconds(setup) -> None:
    app, _, _, _ = setup
    from assistant.web.chat import ChatUpdate

    bubble = app._bubble(ChatUpdate("reading", "问？", standalone="问？", passages=4, elapsed=7.6), 0, "zh")
    assert "阅读 4 个段落" in bubble and "已用 7 秒" in bubble
    assert 'aria-current="step"' in bubble and "检索文档" in bubble  # the step before, marked done
    english = app._bubble(ChatUpdate("answering", "q?", standalone="q?", text="The fund[2]", elapsed=3),
                          0, "en")
    assert "Writing the answer" in english and "[2]" not in english  # raw markers hidden while writing
    queued = app._bubble(ChatUpdate("queued", "q?", queue_position=2, wait_estimate=21.4, elapsed=1), 0, "en")
    assert "2 request(s) ahead" in queued and "about 21 s" in queued


def test_stop_ends_generation_and_the_next_user_starts_at_once(tmp_path: Path) -> None:
    gen = _LongGenerator()
    service = _service(tmp_path, gen)
    stops = {"a": threading.Event(), "b": threading.Event()}
    seen: dict[str, list] = {"a": [], "b": []}
    b_started: list[float] = []

    def run(name: str) -> None:
        for update in service.respond("基金规模是多少？", stop=stops[name]):
            seen[name].append(update)
            if name == "b" and update.stage != "queued" and not b_started:
                b_started.append(time.perf_counter())

    def wait_for(check, seconds: float = 10) -> None:
        deadline = time.time() + seconds
        while not check() and time.time() < deadline:
            time.sleep(0.01)

    a = threading.Thread(target=run, args=("a",))
    a.start()
    wait_for(lambda: any(u.stage == "answering" for u in seen["a"]))
    b = threading.Thread(target=run, args=("b",))
    b.start()
    wait_for(lambda: any(u.stage == "queued" for u in seen["b"]))
    t_stop = time.perf_counter()
    stops["a"].set()
    a.join(5)
    assert seen["a"][-1].stage == "stopped" and "基金" in seen["a"][-1].text  # partial text kept
    assert gen.closed.wait(2)  # the model's stream was closed: the lock is free
    wait_for(lambda: bool(b_started), 5)
    assert b_started and b_started[0] - t_stop < 1.0  # queued user b started without waiting for a
    stops["b"].set()
    b.join(5)
    assert seen["b"][-1].stage == "stopped"
    wait_for(lambda: len(service.queue) == 0, 2)  # b's place goes once its model stream closed
    assert len(service.queue) == 0


def test_stop_while_queued_leaves_the_queue(tmp_path: Path) -> None:
    gen = _LongGenerator(delay=0.02)
    service = _service(tmp_path, gen)
    holder = service.queue.join()  # someone else holds the model
    stop = threading.Event()
    updates = service.respond("基金规模是多少？", stop=stop)
    first = next(updates)
    assert first.stage == "queued" and first.queue_position == 1 and len(service.queue) == 2
    stop.set()
    assert _last(updates).stage == "stopped"
    assert len(service.queue) == 1 and gen.calls == []  # never reached the model
    holder.leave()


def test_wait_estimate_comes_from_recent_answer_durations(tmp_path: Path) -> None:
    service = _service(tmp_path, EchoGenerator())
    assert service.estimate_wait(1) is None  # nothing timed yet: no invented number
    for seconds in (10.0, 12.0, 30.0):
        service._answered(seconds)
    assert service.estimate_wait(2) == pytest.approx(12.0 + 12.0)  # the median, per request ahead
    service._busy(True)
    time.sleep(0.05)
    running = service.estimate_wait(1)
    assert running is not None and running < 12.0  # the running answer is part done
    _last(service.respond("基金规模是多少？"))
    assert len(service._recent) == 4


def test_ui_stop_button_reaches_the_running_answer_of_that_browser_only(tmp_path: Path) -> None:
    import gradio as gr

    gen = _LongGenerator()
    app = ChatApp(_service(tmp_path, gen))
    mine, other = gr.Request(session_hash="mine"), gr.Request(session_hash="other")
    stream = app.submit("基金规模是多少？", Session(), mine)
    for out in stream:
        if "基金基金" in out[0][-1]["content"]:
            break
    app.stop(other)  # another browser's stop does nothing here
    time.sleep(0.2)
    assert not gen.closed.is_set()
    app.stop(mine)
    messages, _, session, _, stop_button = _last(stream)
    assert "已停止生成" in messages[-1]["content"] and session.answers == []
    assert stop_button["interactive"] is False
    assert gen.closed.wait(2) and app._stops == {}


def test_documents_summary_on_the_chat_tab(setup) -> None:
    app, _, _, tmp = setup
    summary = app.summary(Session())
    assert "知识库：3 个文档" in summary and "fund.txt" in summary
    bad = tmp / "bad.pdf"
    bad.write_bytes(b"%PDF-1.4 broken")
    app.upload([str(bad)], Session())
    assert "1 个文件无法读取" in app.summary(Session())
    assert "Knowledge base: 3 documents" in app.summary(Session(ui_lang="en"))


def test_skip_reasons_are_words_for_people_with_the_detail_kept(setup) -> None:
    app, _, _, tmp = setup
    bad = tmp / "broken.pdf"
    bad.write_bytes(b"%PDF-1.4\n1 0 obj <<")  # cut off: pypdf cannot read it
    rows, msg, _, _ = app.upload([str(bad)], Session())
    row = next(r for r in rows if r[0] == "broken.pdf")
    assert row[1:3] == ["已跳过", "文件已损坏或不完整，无法读取"]
    assert '跳过 <span class="file">broken.pdf</span>：文件已损坏或不完整' in msg
    assert '<details class="tech"><summary>技术信息</summary>' in msg and "unreadable PDF" in msg
    exe = tmp / "tool.exe"
    exe.write_bytes(b"MZ")
    _, msg, _, _ = app.upload([str(exe)], Session(ui_lang="en"))
    assert 'Not accepted <span class="file">tool.exe</span>: this file type is not supported' in msg


def test_delete_asks_for_confirmation_first(setup) -> None:
    app, _, docs, _ = setup
    box, text, yes = app.ask_delete(None, Session())
    assert box["visible"] and "请先" in text and yes["visible"] is False
    box, text, yes = app.ask_delete(str(docs / "dam.txt"), Session())
    assert box["visible"] and yes["visible"] and "dam.txt" in text and "确定要删除" in text
    assert "dam.txt" in [r[0] for r in app.kb_view(Session())[0]]  # asking deleted nothing


def test_switching_language_redraws_earlier_answers(setup) -> None:
    app, _, _, _ = setup
    session = _last(app.submit("基金规模是多少？", Session()))[2]
    assert "首字" in session.messages[-1]["content"]
    session.ui_lang = "en"
    redrawn = app.redraw(session)
    assert len(redrawn) == 2 and "first token" in redrawn[-1]["content"] and "首字" not in redrawn[-1]["content"]
    assert "100亿元" in redrawn[-1]["content"]  # the answer itself is not translated


def test_page_controls_are_named_in_the_interface_language(setup) -> None:
    import re

    from assistant.web.layout import _relabel, build_ui
    from assistant.web.page import head

    app, _, _, _ = setup
    demo = build_ui(app, Session(ui_lang="en"))
    components: dict[str | None, Any] = {c.elem_id: c for c in demo.blocks.values()}
    assert components["question"].label == "Your question"  # its accessible name, not "Textbox"
    assert components["chat"].buttons == ["copy"]  # no share button
    assert components["upload"].file_types is None  # no untranslatable "Invalid file type" toast
    assert "BM25" in components["bm25-w"].label and "names" in components["bm25-w"].info
    # Every text a language switch sets is in that language (language names aside).
    for name, update in _relabel("en").items():
        texts = [v for k, v in update.items() if k not in ("__type__", "choices") and isinstance(v, str)]
        texts += [label for label, _ in update.get("choices", []) if label != "中文"]
        assert not any(re.search(r"[\u4e00-\u9fff]", x) for x in texts), (name, texts)
    assert 'var start = "en"' in head("en") and 'var start = "zh-CN"' in head("zh")
