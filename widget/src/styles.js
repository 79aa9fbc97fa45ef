// The widget's stylesheet. It lives in the shadow root; the host element
// is reset with `all: initial !important` so no page style leaks in, and
// every property the widget needs is set here. Theme with the CSS
// variables --herald-accent, --herald-bg, --herald-fg, --herald-muted,
// --herald-line, --herald-card, --herald-chip, --herald-font.

const dark = '--herald-bg:#1d1e23;--herald-fg:#ececf1;' +
  '--herald-muted:#9b9ea8;--herald-line:#30323b;--herald-card:#25272e;' +
  '--herald-chip:#33335c;--herald-accent:#8f8fff';

export const css = `
:host{all:initial!important;display:inline-block!important;
font:400 14px/1.45 var(--herald-font)!important;
color:var(--herald-fg)!important;--herald-accent:#5b5bd6;--herald-bg:#fff;--herald-fg:#1c1d21;
--herald-muted:#62666f;--herald-line:#e6e6eb;--herald-card:#fafafb;
--herald-chip:#ececfd;--herald-font:system-ui,-apple-system,"Segoe UI",
Roboto,"Helvetica Neue",Arial,sans-serif}
:host([data-theme=dark]){${dark}}
@media (prefers-color-scheme:dark){:host([data-theme=auto]){${dark}}}
*{box-sizing:border-box;margin:0;padding:0;border:0;font:inherit;
color:inherit;background:none;text-decoration:none}
[hidden]{display:none!important}
button,a{cursor:pointer;display:inline-flex;align-items:center;gap:4px}
:focus-visible{outline:2px solid var(--herald-accent);outline-offset:2px}
.b{position:relative;width:36px;height:36px;border-radius:50%;
justify-content:center;color:var(--herald-fg)}
.b svg{width:22px;height:22px;fill:currentColor}
.p:focus{outline:none}
.f{position:fixed;bottom:20px;right:20px;width:52px;height:52px;
z-index:2147483000;background:var(--herald-accent);color:#fff;
box-shadow:0 6px 20px rgba(0,0,0,.2)}
.f.L{right:auto;left:20px}
.n{position:absolute;top:-3px;right:-3px;min-width:19px;height:19px;
padding:0 5px;border-radius:10px;background:#e5484d;color:#fff;
font-size:11px;font-weight:700;line-height:19px;text-align:center;
box-shadow:0 0 0 2px var(--herald-bg)}
.p{position:fixed;z-index:2147483001;display:flex;flex-direction:column;
background:var(--herald-bg);border-radius:14px;overflow:hidden;
border:1px solid var(--herald-line);
box-shadow:0 18px 50px rgba(0,0,0,.22),0 2px 8px rgba(0,0,0,.08)}
.h{display:flex;align-items:center;gap:8px;padding:14px 12px 12px 16px;
border-bottom:1px solid var(--herald-line)}
h2{flex:1;font-size:16px;font-weight:650}
.m{color:var(--herald-accent);font-size:13px;font-weight:600;
padding:4px 6px;border-radius:6px}
.m:disabled{color:var(--herald-muted);cursor:default}
.x{width:28px;height:28px;justify-content:center;border-radius:6px;
font-size:20px;color:var(--herald-muted)}
.l{flex:1;overflow-y:auto;overscroll-behavior:contain;padding:0 12px 12px}
.z{padding:28px 8px;text-align:center;color:var(--herald-muted)}
article{position:relative;margin-top:12px;padding:14px;border-radius:10px;
background:var(--herald-card);border:1px solid var(--herald-line)}
.u:before{content:"";position:absolute;top:18px;right:14px;width:8px;
height:8px;border-radius:50%;background:var(--herald-accent)}
.t{display:flex;flex-wrap:wrap;align-items:center;gap:6px}
.t span{padding:1px 8px;border-radius:999px;background:var(--herald-chip);
color:var(--herald-accent);font-size:11px;font-weight:600}
time{color:var(--herald-muted);font-size:12px}
h3{margin:6px 18px 6px 0;font-size:15px;font-weight:650;line-height:1.3}
.r p,.r ul,.r ol,.r pre,.r blockquote{margin:0 0 8px}
.r ul,.r ol{padding-left:20px}
.r li{display:list-item}
.r ul li{list-style:disc}
.r ol li{list-style:decimal}
.r a{display:inline;color:var(--herald-accent);text-decoration:underline}
.r strong,.r b{font-weight:650}
.r em,.r i{font-style:italic}
.r h1,.r h2,.r h3,.r h4{font-size:14px;font-weight:650;margin:8px 0 4px}
.r img{display:block;max-width:100%;height:auto;border-radius:6px}
.r code,.r pre{font-family:ui-monospace,Menlo,Consolas,monospace;
font-size:12.5px;background:var(--herald-chip);border-radius:4px}
.r code{padding:0 3px}
.r pre{display:block;padding:8px;overflow-x:auto;white-space:pre}
.r blockquote{padding-left:10px;border-left:3px solid var(--herald-line)}
.a{display:flex;flex-wrap:wrap;align-items:center;gap:6px;margin-top:10px}
.e{padding:2px 9px;border-radius:999px;border:1px solid var(--herald-line);
background:var(--herald-bg);font-size:13px}
.e[aria-pressed=true]{border-color:var(--herald-accent);
background:var(--herald-chip)}
.s{display:flex;margin-left:auto;gap:10px}
.s a,.s button{color:var(--herald-muted);font-size:12px}
.s a:hover,.s button:hover{color:var(--herald-accent)}
.y{padding:6px 12px;border-radius:8px;background:var(--herald-accent);
color:#fff;font-size:13px;font-weight:600}
.v{position:absolute;width:1px;height:1px;overflow:hidden;
clip:rect(0 0 0 0);white-space:nowrap}
@media (prefers-reduced-motion:no-preference){.p{animation:i .16s ease-out}}
@keyframes i{from{opacity:0;transform:translateY(6px)}}
`.replace(/\n/g, '');
