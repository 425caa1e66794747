"""Every text of the chat UI in Chinese and English, and the language tags of both.

One table per language, looked up by key with ``t``; keys missing in English
fall back to Chinese so a new text never shows as a key. Status icons are kept
out of the texts (``render`` adds them as decoration hidden from screen
readers), so no state is told by an emoji alone.
"""

from __future__ import annotations

from ..ingest import SUPPORTED

# ``<html lang>`` of each interface language (BCP 47), read by screen readers and
# by the browser for fonts and hyphenation.
HTML_LANG = {"zh": "zh-CN", "en": "en"}

TEXT: dict[str, dict[str, str]] = {
    "zh": {
        "title": "## 文档问答助手\n只根据你的文档回答，并标注出处。",
        "title_short": "文档问答助手",
        "tab_chat": "对话", "tab_kb": "知识库", "tab_settings": "设置",
        "placeholder": "输入问题，按回车发送", "question_label": "你的问题",
        "send": "发送", "clear": "新对话", "stop": "停止",
        "chat_label": "对话", "sources": "出处",
        "no_sources": "提问后，这里会列出答案引用的原文段落。",
        "cited": "引用的段落", "uncited": "其他检索到的段落（未引用）",
        "refused_found": "文档中没有找到答案。以下是检索到的最相关段落：",
        "refused": "文档中没有找到这个问题的答案。",
        "stage_queued": "排队中：前面还有 {n} 个请求", "stage_eta": "，预计约 {sec} 秒后开始",
        "stage_rewriting": "理解追问", "stage_searching": "检索文档",
        "stage_reading": "阅读 {n} 个段落", "stage_reading_plain": "阅读段落",
        "stage_writing": "撰写回答", "elapsed": "已用 {sec} 秒",
        "stages_label": "回答进度", "stage_current": "（进行中）", "stage_done": "（已完成）",
        "stopped": "已停止生成。", "stopped_queue": "已取消排队。",
        "error": "出错了：{msg}",
        "rewritten": "改写后的问题：{q}",
        "latency": "检索 {retrieve:.1f} 秒 · 首字 {first:.1f} 秒 · 总计 {total:.1f} 秒",
        "queue_wait": " · 排队 {queue:.1f} 秒",
        "location": "第 {line} 行，字符 {start}–{end}",
        "removed": "该文件已从知识库删除，以下是当时引用的原文",
        "source_link": "来源 {n}：{name}", "back_to_answer": "回到答案",
        "upload": "上传文件（{types}）", "upload_button": "选择要上传的文件（{types}）", "files": "文件",
        "col_name": "文件", "col_state": "状态", "col_detail": "说明", "col_size": "大小",
        "indexed": "已索引", "skipped": "已跳过", "pending": "待索引",
        "chunks": "{n} 个段落", "delete": "删除所选文件", "rebuild": "重建索引",
        "delete_choice": "选择要删除的文件", "kb_empty": "知识库是空的：请上传文档。",
        "delete_confirm": "确定要删除 **{name}** 吗？上传的文件会被删除；来自文档文件夹的文件只会从知识库中移除，原文件不动。",
        "delete_yes": "确认删除", "delete_no": "取消", "delete_pick": "请先在上面选择要删除的文件。",
        "kb_done": "索引完成：{docs} 个文档，{chunks} 个段落，用时 {sec:.1f} 秒。",
        "kb_skipped": "跳过 {name}：{reason}", "kb_refused": "未接收 {name}：{reason}",
        "kb_deleted": "已删除 {name}，索引已更新。", "kb_busy": "正在建立索引，请稍候……",
        "details": "技术信息",
        "docs_summary": "知识库：{n} 个文档", "docs_none": "知识库是空的：请在“知识库”页上传文档。",
        "docs_skipped": "，{n} 个文件无法读取", "docs_busy": "（正在更新索引）",
        "skip_damaged": "文件已损坏或不完整，无法读取", "skip_encrypted": "PDF 有密码保护，无法读取",
        "skip_scanned": "没有可提取的文字（可能是扫描件）", "skip_empty": "文件是空的，没有文字",
        "skip_not_text": "不是文本文件，或文字编码无法识别", "skip_unsupported": "不支持这种文件类型",
        "skip_duplicate": "与 {other} 内容相同", "skip_unreadable": "无法打开这个文件（权限或路径问题）",
        "skip_too_large": "文件超过 {mb} MB 的上传上限",
        "skip_unzipped_too_large": "解压后体积过大（可能是压缩炸弹），为安全起见没有读取",
        "skip_too_slow": "读取超时，文件可能有问题", "skip_reader_failed": "读取时出错：文件可能有问题，或内存不足",
        "skip_other": "无法读取这个文件",
        "profile": "生成模型", "profile_default": "默认（Qwen2.5 1.5B，更准确）",
        # Figures: eval/RESULTS.md, 2026-11-29, corpus report half: fast 65.4% right, first
        # token p50 0.72 s, total 1.15 s (fast-report-new); default 83.2%, 1.51 s, 2.13 s (report-new).
        "profile_fast": "快速（Qwen2.5 0.5B）：约快 2 倍；参考问题准确率约 65%（默认约 83%）",
        "top_k": "提供给模型的段落数（top-k）",
        "top_k_info": "段落越多，越可能找到依据，但模型要读得更久。",
        "dense_weight": "语义检索权重",
        "dense_info": "按意思找段落：能匹配换了说法或用英文提的问题。调高则更看重意思相近。",
        "bm25_weight": "关键词检索（BM25）权重",
        "bm25_info": "按字词找段落：适合人名、地名、数字等原词。调高则更看重字面相同。",
        "answer_lang": "回答语言",
        "lang_auto": "自动（跟随提问）", "ui_lang": "界面语言",
        "settings_note": "设置只对当前会话生效。",
    },
    "en": {
        "title": "## Document Q&A assistant\nAnswers only from your documents, with sources.",
        "title_short": "Document Q&A assistant",
        "tab_chat": "Chat", "tab_kb": "Knowledge base", "tab_settings": "Settings",
        "placeholder": "Ask a question and press Enter", "question_label": "Your question",
        "send": "Send", "clear": "New chat", "stop": "Stop",
        "chat_label": "Chat", "sources": "Sources",
        "no_sources": "After you ask, the passages the answer cites appear here.",
        "cited": "Cited passages", "uncited": "Other retrieved passages (not cited)",
        "refused_found": "The documents do not contain the answer. The closest passages found:",
        "refused": "The documents do not contain the answer to this question.",
        "stage_queued": "Waiting: {n} request(s) ahead", "stage_eta": ", starting in about {sec} s",
        "stage_rewriting": "Reading your follow-up", "stage_searching": "Searching the documents",
        "stage_reading": "Reading {n} passages", "stage_reading_plain": "Reading passages",
        "stage_writing": "Writing the answer", "elapsed": "{sec} s so far",
        "stages_label": "Answer progress", "stage_current": " (in progress)", "stage_done": " (done)",
        "stopped": "Stopped.", "stopped_queue": "Left the queue.",
        "error": "Something went wrong: {msg}",
        "rewritten": "Rewritten question: {q}",
        "latency": "retrieval {retrieve:.1f} s · first token {first:.1f} s · total {total:.1f} s",
        "queue_wait": " · queued {queue:.1f} s",
        "location": "line {line}, characters {start}–{end}",
        "removed": "removed from the knowledge base; the passage as it was cited",
        "source_link": "Source {n}: {name}", "back_to_answer": "Back to the answer",
        "upload": "Upload files ({types})", "upload_button": "Choose files to upload ({types})",
        "files": "Files",
        "col_name": "File", "col_state": "Status", "col_detail": "Detail", "col_size": "Size",
        "indexed": "indexed", "skipped": "skipped", "pending": "pending",
        "chunks": "{n} passages", "delete": "Delete selected file", "rebuild": "Rebuild index",
        "delete_choice": "File to delete", "kb_empty": "The knowledge base is empty: upload a document.",
        "delete_confirm": "Delete **{name}**? An uploaded file is deleted; a file of your document "
                          "folder is only removed from the knowledge base, the file itself stays.",
        "delete_yes": "Yes, delete", "delete_no": "Cancel", "delete_pick": "Choose the file to delete above first.",
        "kb_done": "Indexed {docs} documents, {chunks} passages in {sec:.1f} s.",
        "kb_skipped": "Skipped {name}: {reason}", "kb_refused": "Not accepted {name}: {reason}",
        "kb_deleted": "Deleted {name}; the index is updated.", "kb_busy": "Indexing, please wait…",
        "details": "Technical details",
        "docs_summary": "Knowledge base: {n} documents", "docs_none": "The knowledge base is empty: "
                                                                      "upload documents in the Knowledge base tab.",
        "docs_skipped": ", {n} file(s) could not be read", "docs_busy": " (updating the index)",
        "skip_damaged": "the file is damaged or incomplete", "skip_encrypted": "the PDF is password-protected",
        "skip_scanned": "no text to extract (a scan?)", "skip_empty": "the file has no text",
        "skip_not_text": "not a text file, or its encoding is unknown", "skip_unsupported": "this file type is not supported",
        "skip_duplicate": "same content as {other}", "skip_unreadable": "the file cannot be opened (permissions or path)",
        "skip_too_large": "the file is over the {mb} MB upload limit",
        "skip_unzipped_too_large": "far too large once unzipped (a zip bomb?), not read for safety",
        "skip_too_slow": "reading took too long; the file may be malformed",
        "skip_reader_failed": "reading failed: the file may be malformed, or memory ran out",
        "skip_other": "the file cannot be read",
        "profile": "Generator", "profile_default": "Default (Qwen2.5 1.5B, more accurate)",
        "profile_fast": "Fast (Qwen2.5 0.5B): ~2x faster; ~65% right on our reference questions (default ~83%)",
        "top_k": "Passages given to the model (top-k)",
        "top_k_info": "More passages: more chance the evidence is there, but the model reads longer.",
        "dense_weight": "Semantic search weight",
        "dense_info": "Finds passages by meaning: matches other wordings and English questions. "
                      "Higher: meaning counts more.",
        "bm25_weight": "Keyword search (BM25) weight",
        "bm25_info": "Finds passages by their words: good for names, places, numbers. Higher: exact words count more.",
        "answer_lang": "Answer language",
        "lang_auto": "Auto (same as the question)", "ui_lang": "Interface language",
        "settings_note": "Settings apply to this session only.",
    },
}


def t(lang: str, key: str, **values: object) -> str:
    """Interface text ``key`` in ``lang`` (Chinese when unknown), formatted with ``values``."""
    text = TEXT.get(lang, TEXT["zh"]).get(key) or TEXT["zh"][key]
    if key in ("upload", "upload_button"):  # the file types come from the one list of formats
        sep = "、" if lang == "zh" else ", "
        values = {"types": sep.join(sorted({ext.lstrip(".") for ext in SUPPORTED} - {"htm"})), **values}
    return text.format(**values) if values else text


def html_lang(lang: str) -> str:
    """The ``<html lang>`` value of interface language ``lang``."""
    return HTML_LANG.get(lang, HTML_LANG["zh"])
