"""Layouts of the regional Kazakhstani outlets: the Petropavlovsk news site
(7152.kz-like, listing discovery) and the Kostanay TV station (transcripts, RSS)."""

from __future__ import annotations

from .common import (
    BASE,
    RSS,
    TEXT,
    OutletSite,
    Rendered,
    esc,
    latest,
    not_found_page,
    pick_comments,
    related,
    robots,
    rss,
    share_buttons,
)
from .content import Article, Block
from .dates import hours_ago_ru, regional_relative, rfc822, tv_numeric

# --- SevKaz.kz: the regional site ----------------------------------------------------------

_SK_MENU = (("/news", "Новости"), ("/news?cat=incidents", "Происшествия"), ("/afisha", "Афиша"),
            ("/board", "Объявления"), ("/about", "О редакции"))
_SK_MISTAKE = ("Если вы заметили ошибку, выделите необходимый текст и нажмите Ctrl+Enter, "
               "чтобы сообщить об этом редакции")
_SK_COOKIE = "Мы используем cookie-файлы для удобства пользователей сайта."
_SK_BOARD = ("Продам гараж в районе ДСР, 3×6, недорого.", "Требуется водитель категории С.")
_SK_BROKEN = "/news/4013555/roditeli-sozdali-iniciativnuyu-gruppu"
_SK_SLASHED = "balcony-rescue"  # linked with a trailing slash from the "Популярное" block


def _sk_blocks(a: Article) -> tuple[Block, ...]:
    """The site puts a photo under the first paragraph, captioned "<title> , фото-1"."""
    if any(b.kind == "figure" for b in a.blocks):
        return a.blocks
    return (a.blocks[0], Block("figure", f"{a.title} , фото-1"), *a.blocks[1:])


def _sk_when(moment) -> str:
    return hours_ago_ru(moment) or regional_relative(moment)


def _sk_article(a: Article, arts: tuple[Article, ...]) -> Rendered:
    menu = "".join(f'<li class="c-menu__item"><a href="{p}">{esc(n)}</a></li>' for p, n in _SK_MENU)
    blocks = _sk_blocks(a)
    body = []
    for n, b in enumerate(blocks):
        if b.kind == "figure":
            body.append(f'<div class="c-article__photo"><img src="/upload/{a.path.split("/")[2]}'
                        f'_{n}.jpg" alt=""></div><p class="c-article__caption">{esc(b.text)}</p>')
        else:
            body.append(f"<p>{esc(b.text)}</p>")
    side = latest(arts, a, 5)
    popular = [x for x in arts if x.key == _SK_SLASHED and x is not a] + related(arts, a, 1)
    comments = pick_comments(a, 2)
    comm = "".join(f'<div class="c-comment"><b class="c-comment__name">{esc(w)}</b> '
                   f'<span class="c-comment__date">{_sk_when(d)}</span>'
                   f'<div class="c-comment__text">{esc(t)}</div></div>' for w, t, d in comments)
    hashtags = " ".join("#" + t.replace(" ", "_") for t in a.tags)
    captions = [b.text for b in blocks if b.kind == "figure"]
    page = f"""<!DOCTYPE html>
<html lang="ru">
<head>
<meta charset="utf-8">
<title>{esc(a.title)} - SevKaz.kz</title>
<meta property="og:title" content="{esc(a.title)}">
<meta property="og:image" content="{BASE}/upload/og/{a.path.split("/")[2]}.jpg">
</head>
<body>
<div class="l-header"><a class="l-header__logo" href="/">SevKaz.kz</a>
<span class="l-header__weather">Петропавловск −14°</span><ul class="c-menu">{menu}</ul></div>
<div class="l-page">
<ul class="c-breadcrumbs"><li>• <a href="/">Главная</a></li><li>• {esc(a.title)}</li></ul>
<div class="c-article">
<div class="c-article__rubric">{esc(a.rubric)}</div>
<div class="c-article__date">{regional_relative(a.local)}</div>
<h1 class="c-article__title">{esc(a.title)}</h1>
<div class="c-article__rubric c-article__rubric--bottom">{esc(a.rubric)}</div>
<div class="c-article__body">
{"".join(body)}
<p class="c-article__mistake">{_SK_MISTAKE}</p>
<p class="c-article__hashtags">{esc(hashtags)}</p>
</div>
{share_buttons("c-share", "Поделиться", ("vk", "facebook", "telegram", "whatsapp"))}
<a class="c-article__mobile" href="/m{a.path}">Мобильная версия</a>
</div>
<div class="c-comments"><h3>Комментарии</h3>{comm}</div>
<div class="c-sidebar">
<div class="c-news-block"><h3>Последние новости</h3>
{"".join(f'<a class="c-news-block__title" href="{s.path}">{esc(s.title)}</a>' for s in side)}
</div>
<div class="c-popular"><h3>Популярное</h3>
{"".join(f'<a class="c-news-card__title" href="{p.path}/">{esc(p.title)}</a>' if p.key ==
         _SK_SLASHED else f'<a class="c-news-card__title" href="{p.path}">{esc(p.title)}</a>'
         for p in popular)}
</div>
<div class="c-board"><h3>Объявления</h3>{"".join(f"<p>{esc(x)}</p>" for x in _SK_BOARD)}</div>
</div>
</div>
<footer class="l-footer">© 2025 SevKaz.kz — новости Петропавловска и СКО. 18+</footer>
<div class="c-cookie">{_SK_COOKIE} <button>Хорошо</button></div>
</body>
</html>
"""
    boiler = (_SK_MISTAKE, hashtags, captions[0], comments[0][1], side[0].title, _SK_BOARD[0],
              _SK_COOKIE)
    return Rendered(a, page, boiler)


def build_sevkaz(arts: tuple[Article, ...]) -> OutletSite:
    site = OutletSite("sevkaz")
    for a in arts:
        page = _sk_article(a, arts)
        site.add_article(page)
        if a.key == _SK_SLASHED:
            site.add_html(a.path + "/", page.html, article=True)
            site.variants.append((a.path + "/", a.path))
        site.add_forbidden(f"/m{a.path}", f'<html lang="ru"><head><meta charset="utf-8"><title>'
                           f"{esc(a.title)}</title></head><body><h1>{esc(a.title)}</h1></body></html>")
    newest = sorted(arts, key=lambda x: x.local, reverse=True)
    cards = [f'<div class="c-news-card"><a class="c-news-card__title" href="{a.path}">'
             f'{esc(a.title)}</a><span class="c-news-card__date">{regional_relative(a.local)}'
             "</span></div>" for a in newest]
    # A story the editors deleted: the listing still links it, the page is gone.
    cards.insert(4, f'<div class="c-news-card"><a class="c-news-card__title" href="{_SK_BROKEN}">'
                    "Родители создали инициативную группу</a><span class=\"c-news-card__date\">"
                    "15:20, 23.11.2025</span></div>")
    site.add_html("/news", '<!DOCTYPE html><html lang="ru"><head><meta charset="utf-8"><title>'
                  "Новости Петропавловска - SevKaz.kz</title></head><body><h1>Новости</h1>"
                  + "".join(cards) + '<button class="c-more" data-page="2">Загрузить ещё</button>'
                  '<a href="/about">О редакции</a></body></html>')
    site.add_html(_SK_BROKEN, not_found_page("SevKaz.kz"), status=404)
    site.broken.append((_SK_BROKEN, 404))
    site.add_html("/about", '<!DOCTYPE html><html lang="ru"><head><meta charset="utf-8"><title>'
                  "О редакции</title></head><body><h1>О редакции</h1><p>SevKaz.kz — вымышленное "
                  "региональное издание для тестов.</p></body></html>")
    site.add("/robots.txt", TEXT, robots(("/m/", "/search")))
    site.non_articles += ["/news", "/about"]
    return site


# --- Tobol TV: the regional TV station -----------------------------------------------------

_TV_NAV = (("/ru/news", "Новости"), ("/ru/programs", "Программы"),
           ("/ru/schedule", "Телепрограмма"), ("/ru/live", "Прямой эфир"),
           ("/ru/about", "О канале"))
_TV_COOKIE = "Продолжая просмотр, вы соглашаетесь с использованием файлов cookie."
_TV_ONAIR = "Сейчас в эфире: «Доброе утро, Костанай»"


def _tv_paragraph(text: str) -> str:
    # Speaker captions ("Ерлан СПАНОВ, ЗАМЕСТИТЕЛЬ АКИМА ...:") are set in bold by the editors.
    if text.endswith(":") and sum(c.isupper() for c in text) > len(text) // 3:
        return f'<p class="tv-speaker"><strong>{esc(text)}</strong></p>'
    return f"<p>{esc(text)}</p>"


def _tv_article(a: Article, arts: tuple[Article, ...]) -> Rendered:
    nav = "".join(f'<a class="tv-nav__link" href="{p}">{esc(n)}</a>' for p, n in _TV_NAV)
    vid = a.path.split("/")[-1].split("-")[0]
    side = latest(arts, a, 5)
    comments = pick_comments(a, 1)
    page = f"""<!DOCTYPE html>
<html lang="ru">
<head>
<meta charset="utf-8">
<title>{esc(a.title)} — Тобол ТВ</title>
<meta property="og:video" content="{BASE}/media/video/{vid}.mp4">
</head>
<body>
<header class="tv-head"><a class="tv-logo" href="/ru">ТОБОЛ ТВ</a><nav class="tv-nav">{nav}</nav>
<a class="tv-live-badge" href="/ru/live">● {_TV_ONAIR}</a></header>
<div class="tv-wrap">
<div class="tv-main">
<div class="tv-player"><video controls poster="/media/poster/{vid}.jpg">
<source src="/media/video/{vid}.mp4" type="video/mp4"></video>
<div class="tv-player__note">Для просмотра видео включите JavaScript</div></div>
<h1 class="tv-title">{esc(a.title)}</h1>
<div class="tv-meta"><span class="tv-date">{tv_numeric(a.local)}</span>
<span class="tv-program">Программа «Новости»</span></div>
<div class="tv-transcript">
{"".join(_tv_paragraph(p) for p in a.paragraphs)}
</div>
{share_buttons("tv-share", "Поделиться", ("vk", "telegram", "whatsapp"))}
<a class="tv-print" href="/print{a.path}">Распечатать</a>
<section class="tv-more"><h3>Смотрите также</h3>
{"".join(f'<a href="{r.path}">{esc(r.title)}</a>' for r in related(arts, a))}</section>
<div class="tv-comments"><h3>Комментарии</h3>
{"".join(f'<div class="tv-comment"><b>{esc(w)}</b> <i>{tv_numeric(d)}</i> <p>{esc(t)}</p></div>'
         for w, t, d in comments)}</div>
</div>
<aside class="tv-side"><h3>Последние новости</h3>
{"".join(f'<a class="tv-side__item" href="{s.path}">{esc(s.title)}</a>' for s in side)}
<div class="tv-schedule"><h3>Телепрограмма</h3><p>11:30 «Доброе утро, Костанай»</p>
<p>12:00 Новости</p><p>12:20 Документальный фильм «Степь»</p></div></aside>
</div>
<footer class="tv-foot">© 2025 Тобол ТВ — региональный телеканал Костанайской области</footer>
<div class="tv-cookie">{_TV_COOKIE}</div>
</body>
</html>
"""
    boiler = (_TV_ONAIR, "Для просмотра видео включите JavaScript", "Смотрите также",
              side[0].title, comments[0][1], _TV_COOKIE)
    return Rendered(a, page, boiler)


def build_toboltv(arts: tuple[Article, ...]) -> OutletSite:
    site = OutletSite("toboltv")
    for a in arts:
        page = _tv_article(a, arts)
        site.add_article(page)
        site.add_forbidden(f"/print{a.path}", f'<html><head><meta charset="utf-8"></head><body><h1>'
                           f"{esc(a.title)}</h1></body></html>")
    items = []
    for a in sorted(arts, key=lambda x: x.local, reverse=True):
        lead = a.paragraphs[0]
        lead = lead if len(lead) <= 200 else lead[:200].rsplit(" ", 1)[0] + "…"
        items.append(f"<item><title>{esc(a.title)}</title><link>{BASE}{a.path}</link>"
                     f'<guid isPermaLink="true">{BASE}{a.path}</guid>'
                     f"<description>{esc(lead)}</description><pubDate>{rfc822(a.local)}</pubDate>"
                     "</item>\n")
    site.add("/ru/rss.xml", RSS, rss("Тобол ТВ — Новости", "/ru/news", "Новости Костаная", items))
    links = "".join(f'<li><a href="{a.path}">{esc(a.title)}</a> {tv_numeric(a.local)}</li>'
                    for a in sorted(arts, key=lambda x: x.local, reverse=True))
    site.add_html("/ru/news", '<!DOCTYPE html><html lang="ru"><head><meta charset="utf-8"><title>'
                  f"Новости — Тобол ТВ</title></head><body><h1>Новости</h1><ul>{links}</ul>"
                  '<a href="/ru/about">О канале</a></body></html>')
    site.add_html("/ru/about", '<!DOCTYPE html><html lang="ru"><head><meta charset="utf-8">'
                  "<title>О канале</title></head><body><h1>О канале</h1><p>Тобол ТВ — вымышленный"
                  " региональный телеканал для тестов.</p></body></html>")
    site.add("/robots.txt", TEXT, robots(("/print/", "/ru/admin/")))
    site.non_articles += ["/ru/rss.xml", "/ru/news", "/ru/about"]
    return site
