"""What the chat page adds to Gradio's own: the style sheet and the script in ``<head>``.

Kept apart from the layout (``app``) because neither depends on a session.

The script does three things in the page, where they cost no server round trip:

* Gradio's own strings ("Drop File Here", the copy buttons' names, …) follow
  the browser language. ``navigator.language`` is made to report the interface
  language and Gradio's ``changeLocale`` is called at start and on a switch,
  so Gradio's texts and ``<html lang>`` always match the chosen interface
  (missing Chinese texts are supplied by ``GRADIO_TRANSLATIONS``).
* A click on ``[n]`` in an answer opens and highlights its source (capture
  phase, because the chat component would otherwise treat it as a plain link);
  on a phone the source then shows as a sheet over the bottom of the screen,
  with a "back to the answer" link that closes it and returns to the citation.
* Accessible names: the few Gradio writes in English whatever the locale are
  put in the interface language (``GRADIO_NAMES``), and the ``aria-*``
  attributes the chat component's sanitiser drops from messages are restored
  from what it keeps (``title``, ``class``).
"""

from __future__ import annotations

import json

from .i18n import html_lang

# Below this width the two columns stack (Gradio wraps columns under their
# min_width: 320 + 300 px plus gaps) and the phone rules apply.
PHONE_MAX_PX = 720

CSS = f"""
.gradio-container {{max-width: 1280px !important; width: 100%; margin: auto;}}
#header {{align-items: center; gap: 8px;}}
#title h2 {{margin: 0 0 2px 0;}}
#title p {{margin: 0; opacity: 0.8;}}
#docs-summary {{font-size: 0.9em; opacity: 0.85;}}
#docs-summary ul {{margin: 4px 0 0 1.2em; columns: 2;}}
#chat .latency, #chat .rewritten {{font-size: 0.8em; opacity: 0.7; margin: 0.2em 0;}}
#chat a.cite {{font-weight: 600; text-decoration: none; cursor: pointer; padding: 0 1px;}}
#chat .progress {{font-size: 0.85em; opacity: 0.85; margin-top: 4px;}}
#chat ol.stages {{display: inline; list-style: none; padding: 0; margin: 0;}}
#chat ol.stages li {{display: inline; margin-right: 0.8em;}}
#chat ol.stages li.todo {{opacity: 0.5;}}
#chat ol.stages li.current {{font-weight: 600;}}
#chat .elapsed {{font-variant-numeric: tabular-nums; opacity: 0.8;}}
#chat .stopped {{font-size: 0.85em; color: #b45309; margin-top: 4px;}}
.sr-only {{position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0);
  white-space: nowrap;}}
#sources {{min-height: 120px;}}
#sources .source {{border: 1px solid var(--border-color-primary); border-radius: 8px;
  padding: 8px 10px; margin: 8px 0; font-size: 0.92em; line-height: 1.6;}}
#sources .source.active {{outline: 3px solid #f59e0b; background: rgba(245, 158, 11, 0.08);}}
#sources .source-head {{margin-bottom: 4px;}}
#sources .loc {{opacity: 0.7; font-size: 0.9em;}}
#sources .passage {{background: rgba(59, 130, 246, 0.10);}}
#sources mark.cited-span {{background: #fde68a; color: inherit; padding: 0 1px;}}
#sources .sources-title {{font-weight: 600; margin-top: 6px;}}
#sources .sources-title.refused {{color: #b45309;}}
#sources details.turn > summary {{cursor: pointer; opacity: 0.8;}}
#sources a.back {{display: none;}}
#kb-status details.tech, #kb-table details.tech {{display: inline; font-size: 0.85em; opacity: 0.8;}}
#kb-confirm {{border: 2px solid #dc2626; border-radius: 8px; padding: 8px;}}
@media (max-width: {PHONE_MAX_PX}px) {{
  .gradio-container {{padding: 4px 6px !important;}}
  #title p {{display: none;}}
  #title h2 {{font-size: 1.15em;}}
  #header {{flex-wrap: nowrap !important;}}
  #ui-lang {{min-width: 0 !important; padding: 4px !important;}}
  #ui-lang .wrap {{flex-wrap: nowrap; gap: 4px;}}
  #ui-lang label {{padding: 2px 6px !important; white-space: nowrap;}}
  #ui-lang > span, #ui-lang .block-title, #ui-lang [data-testid=block-info] {{display: none;}}
  #chat {{height: 52vh !important; min-height: 260px;}}
  #sources .source {{font-size: 0.85em;}}
  #sources .source.active {{position: fixed; left: 6px; right: 6px; bottom: 6px; z-index: 1000;
    max-height: 45vh; overflow: auto; background: var(--background-fill-primary);
    box-shadow: 0 -4px 24px rgba(0, 0, 0, 0.25);}}
  #sources .source.active a.back {{display: inline-block; float: right; font-weight: 600; padding: 2px 6px;}}
}}
"""


# Gradio strings its Chinese translation lacks (svelte-i18n keys), given to
# ``launch(i18n=...)``; found by comparing Gradio 6.31's en and zh-CN files.
GRADIO_TRANSLATIONS: dict[str, dict[str, str]] = {
    "zh-CN": {"chatbot.copy_message": "复制这条消息", "chatbot.copied_message": "已复制",
              "chatbot.complete": "完成", "common.download_all": "全部下载", "common.progress": "进度",
              "status.queue_position": "排队中：第 {position} 位，共 {size} 位"},
}

# Accessible names Gradio writes in English whatever the locale (no i18n key):
# (pattern, replacement) per interface language, applied in the page.
GRADIO_NAMES: dict[str, list[tuple[str, str]]] = {
    "zh-CN": [("^Copy table data$", "复制表格数据"), ("^Fullscreen$", "全屏"),
              ("^Exit fullscreen( mode)?$", "退出全屏"), ("^Reset to default value$", "恢复默认值"),
              ("^number input for (.+)$", "$1（输入数值）"), ("^range slider for (.+)$", "$1（滑块）"),
              ("^Click to upload or drop files$", "点击上传或拖放文件"), ("^Copy message$", "复制这条消息"),
              ("^Copy$", "复制"), ("^Clear$", "清空对话"), ("^Remove$", "移除"), ("^Download$", "下载")],
}


_SCRIPT = r"""
<script>
(function () {
  var start = __START__, NAMES = __NAMES__;
  window.__assistantLang = start;
  // Gradio picks its own strings from the browser language when it starts...
  try {
    Object.defineProperty(navigator, 'language', {configurable: true,
      get: function () { return window.__assistantLang; }});
    Object.defineProperty(navigator, 'languages', {configurable: true,
      get: function () { return [window.__assistantLang]; }});
  } catch (e) { /* a browser that refuses: Gradio's strings follow the browser */ }
  document.documentElement.lang = start;
  // ...and may have started already when this script runs: set its locale
  // (which also sets <html lang>) whenever <html lang> differs from ours.
  var applying = false;
  function applyLocale() {
    var want = window.__assistantLang;
    if (applying || document.documentElement.lang === want && window.__assistantApplied === want) return;
    var core = performance.getEntriesByType('resource').map(function (r) { return r.name; })
      .filter(function (n) { return /\/core-[^\/]*\.js$/.test(n); })[0];
    if (!core) return;
    applying = true;
    import(core).then(function (m) {
      if (m.changeLocale) m.changeLocale(want);
      window.__assistantApplied = want;
      document.documentElement.lang = want;
    }).catch(function () {}).then(function () { applying = false; });
  }
  window.assistantSetLang = function (tag) { window.__assistantLang = tag; applyLocale(); };
  // Accessible names: Gradio's English-only ones in the interface language; and
  // the chat component's sanitiser drops aria-* attributes from message HTML, so
  // a citation is named from its title ("来源 1：报告.pdf") and a status icon is
  // hidden again (the text beside it says it all).
  function label() {
    var rules = NAMES[window.__assistantLang] || [];
    document.querySelectorAll('[aria-label]').forEach(function (el) {
      var orig = el.getAttribute('data-name-orig') || el.getAttribute('aria-label'), name = orig;
      for (var i = 0; i < rules.length; i++) {
        var re = new RegExp(rules[i][0]);
        if (re.test(orig)) { name = orig.replace(re, rules[i][1]); break; }
      }
      if (name !== orig && !el.hasAttribute('data-name-orig')) el.setAttribute('data-name-orig', orig);
      if (el.getAttribute('aria-label') !== name) el.setAttribute('aria-label', name);
    });
    document.querySelectorAll('#chat a.cite[title]').forEach(function (a) {
      if (a.getAttribute('aria-label') !== a.title) a.setAttribute('aria-label', a.title);
    });
    document.querySelectorAll('#chat span.icon:not([aria-hidden])').forEach(function (s) {
      s.setAttribute('aria-hidden', 'true');
    });
  }
  var queued = false;
  new MutationObserver(function () {
    if (queued) return;
    queued = true;
    requestAnimationFrame(function () { queued = false; label(); applyLocale(); });
  }).observe(document.documentElement, {childList: true, subtree: true, attributes: true,
                                        attributeFilter: ['aria-label', 'lang']});
  var lastCite = null;
  document.addEventListener('click', function (ev) {
    var t = ev.target && ev.target.closest ? ev.target : null;
    var back = t ? t.closest('#sources a.back') : null;
    if (back) {
      ev.preventDefault(); ev.stopPropagation();
      var src = back.closest('.source');
      if (src) src.classList.remove('active');
      var to = lastCite || document.getElementById(back.getAttribute('href').slice(1));
      if (to) { to.scrollIntoView({behavior: 'smooth', block: 'center'}); to.focus({preventScroll: true}); }
      return;
    }
    var a = t ? t.closest('a[href^="#src-"]') : null;
    if (!a) return;
    var el = document.getElementById(a.getAttribute('href').slice(1));
    ev.preventDefault(); ev.stopPropagation();
    if (!el) return;
    lastCite = a;
    for (var p = el.parentElement; p; p = p.parentElement) { if (p.tagName === 'DETAILS') p.open = true; }
    document.querySelectorAll('#sources .source.active').forEach(function (x) { x.classList.remove('active'); });
    el.classList.add('active');
    if (window.innerWidth > __PHONE__) el.scrollIntoView({behavior: 'smooth', block: 'center'});
    else { el.scrollTop = 0; var b = el.querySelector('a.back'); if (b) b.focus({preventScroll: true}); }
  }, true);
})();
</script>
"""


def head(lang: str) -> str:
    """The ``<head>`` script of the page whose interface starts in ``lang``."""
    values = {"__START__": json.dumps(html_lang(lang)),
              "__NAMES__": json.dumps(GRADIO_NAMES, ensure_ascii=False), "__PHONE__": str(PHONE_MAX_PX)}
    script = _SCRIPT
    for key, value in values.items():
        script = script.replace(key, value)
    return script
