"""Layouts of the national Kazakhstani outlets: the news portal (Tengrinews-like,
sitemap index) and the news agency (Kazinform-like, paginated listing)."""

from __future__ import annotations

from .common import (
    BASE,
    TEXT,
    XML,
    OutletSite,
    Rendered,
    esc,
    json_ld,
    latest,
    pick_comments,
    related,
    robots,
    server_error_page,
    share_buttons,
    sitemap_index,
    urlset,
)
from .content import Article
from .dates import agency_nominative, iso_local, portal_relative

# --- Dala News: the national portal --------------------------------------------------------

_DN_MENU = (("/news/", "Новости"), ("/kazakhstan_news/", "Казахстан"), ("/world_news/", "Мир"),
            ("/money/", "Деньги"), ("/sport/", "Спорт"), ("/life/", "Жизнь"),
            ("/read/", "Мнения и интервью"))
_DN_TOPICS = ("Токаев", "Паводки", "Курс доллара", "ЕНПФ", "Цены на бензин")
_DN_COOKIE = "Мы используем файлы cookie. Оставаясь на сайте, вы соглашаетесь с условиями."
_DN_FOOTER = "При полном или частичном использовании материалов ссылка на Dala News обязательна."
_DN_SHARE = "Поделитесь новостью с друзьями"
_DN_BROKEN = "/kazakhstan_news/akim-vstretilsya-s-aktivistami-585777/"
_DN_NO_SLASH = "council-reports"  # linked without its trailing slash from the sidebar


def _dn_link(a: Article) -> str:
    return a.path.rstrip("/") if a.key == _DN_NO_SLASH else a.path


def _dn_article(a: Article, arts: tuple[Article, ...]) -> Rendered:
    menu = "".join(f'<a class="tn-menu__link" href="{p}">{esc(n)}</a>' for p, n in _DN_MENU)
    topics = "".join(f'<a href="/tag/{n}/">{esc(t)}</a>' for n, t in enumerate(_DN_TOPICS))
    rel = related(arts, a)
    paras = [f"<p>{esc(p)}</p>\n" for p in a.paragraphs]
    inline = (f'<p class="tn-read-also-inline"><b>Читайте также:</b> '
              f'<a href="{rel[0].path}">{esc(rel[0].title)}</a></p>\n')
    body = "".join([*paras[:2], inline, *paras[2:]])
    side = latest(arts, a, 6)
    side_html = "".join(f'<li class="tn-last-item"><time>{portal_relative(s.local)}</time>'
                        f'<a href="{_dn_link(s)}">{esc(s.title)}</a></li>' for s in side)
    tags = "".join(f'<a href="/tag/{n}/">{esc(t)}</a> ' for n, t in enumerate(a.tags))
    comments = pick_comments(a, 3)
    comm_html = "".join(f'<div class="tn-comment"><span class="tn-comment__author">{esc(w)}</span>'
                        f'<time class="tn-comment__date">{portal_relative(d)}</time>'
                        f'<p class="tn-comment__text">{esc(t)}</p></div>' for w, t, d in comments)
    also = "".join(f'<a class="tn-read-also__item" href="{r.path}">{esc(r.title)}</a>'
                   for r in rel)
    extra = ""
    if a.source_note:
        extra += f'<p class="tn-news-supplied">{esc(a.source_note)}</p>\n'
    if a.attributed_to:
        extra += f'<p class="tn-news-source">По сообщению сайта {esc(a.attributed_to)}</p>\n'
    page = f"""<!DOCTYPE html>
<html lang="ru">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>{esc(a.title)} - Новости Казахстана | Dala News</title>
<meta name="description" content="{esc(a.paragraphs[0][:150])}">
<link rel="canonical" href="{BASE}{a.path}">
<link rel="amphtml" href="{BASE}/amp{a.path}">
<link rel="stylesheet" href="/design/css/tn.min.css?1732">
</head>
<body class="tn-body">
<div class="tn-header"><a class="tn-logo" href="/">DALA NEWS</a>
<nav class="tn-menu">{menu}</nav>
<a class="tn-search" href="/search/">Поиск</a></div>
<div class="tn-popular-tags"><span class="tn-popular-tags__title">Популярные темы</span>
{topics}</div>
<main class="tn-content">
<div class="tn-content-main">
<h1 class="tn-content-title">{esc(a.title)}</h1>
<ul class="tn-data-list"><li><time class="tn-date tn-visible@t">{portal_relative(a.local)}</time>
</li><li class="tn-views">{1200 + len(a.title) * 37}</li></ul>
<picture class="tn-image-container"><img src="/userdata/news/{a.local:%Y/%m}/news_{a.key}.jpg"
 alt="{esc(a.title)}"><span class="tn-image-source">Стоковые изображения от Depositphotos</span>
</picture>
<article class="tn-news-text">
{body}</article>
{extra}<div class="tn-tags">Тэги новости: {tags}</div>
<div class="tn-share-block"><span>{_DN_SHARE}</span>
{share_buttons("tn-share", "", ("facebook", "telegram", "whatsapp", "vk"))}</div>
<div class="tn-comments" id="comm"><h3>Комментарии ({len(comments)})</h3>{comm_html}</div>
<section class="tn-read-also"><h3>Читайте также</h3>{also}</section>
</div>
<aside class="tn-sidebar"><h3 class="tn-sidebar__title">Последние новости</h3>
<ul class="tn-last">{side_html}</ul></aside>
</main>
<footer class="tn-footer"><p>© 2010–2025 Dala News. {_DN_FOOTER}</p>
<a href="/about/">О проекте</a> <a href="/amp{a.path}">AMP-версия</a></footer>
<div class="tn-cookie">{_DN_COOKIE} <button>OK</button></div>
</body>
</html>
"""
    boiler = ["Популярные темы", "Стоковые изображения от Depositphotos", "Тэги новости",
              _DN_SHARE, "Читайте также:", side[0].title, comments[0][1], _DN_COOKIE]
    return Rendered(a, page, tuple(boiler))


def build_dalanews(arts: tuple[Article, ...]) -> OutletSite:
    site = OutletSite("dalanews")
    for a in arts:
        page = _dn_article(a, arts)
        site.add_article(page)
        if a.key == _DN_NO_SLASH:
            site.add_html(_dn_link(a), page.html, article=True)
            site.variants.append((_dn_link(a), a.path))
        site.add_forbidden(f"/amp{a.path}", f'<!doctype html><html amp lang="ru"><head><meta '
                           f'charset="utf-8"><link rel="canonical" href="{BASE}{a.path}"><title>'
                           f"{esc(a.title)}</title></head><body><h1>{esc(a.title)}</h1>"
                           + "".join(f"<p>{esc(p)}</p>" for p in a.paragraphs) + "</body></html>")
    recent = [a for a in arts if a.local.year >= 2025]
    old = [a for a in arts if a.local.year < 2025]
    news1 = [(a.path, iso_local(a.local)) for a in sorted(recent, key=lambda x: x.local,
                                                            reverse=True)]
    news1.insert(3, (_DN_BROKEN, "2025-11-24T16:02:00+05:00"))  # its page answers 500
    # Like real news sitemaps, one AMP variant is listed too; robots.txt forbids /amp/,
    # so a polite crawler never fetches it.
    news1.append((f"/amp{recent[0].path}", iso_local(recent[0].local)))
    site.add("/sitemap-news-1.xml", XML, urlset(news1))
    site.add("/sitemap-news-2.xml", XML, urlset([(a.path, iso_local(a.local)) for a in old]))
    site.add("/sitemap-pages.xml", XML, urlset([("/about/", "2024-01-15"), ("/news/",
                                                                           "2025-11-25")]))
    site.add("/sitemap-index.xml", XML, sitemap_index([
        ("/sitemap-news-1.xml", iso_local(max(a.local for a in recent))),
        ("/sitemap-news-2.xml", iso_local(max(a.local for a in old))),
        ("/sitemap-pages.xml", "2025-11-25")]))
    site.add_html(_DN_BROKEN, server_error_page(), status=500)
    site.broken.append((_DN_BROKEN, 500))
    cards = "".join(f'<div class="tn-news-card"><a href="{a.path}">{esc(a.title)}</a>'
                    f"<time>{portal_relative(a.local)}</time></div>"
                    for a in sorted(recent, key=lambda x: x.local, reverse=True))
    site.add_html("/news/", '<!DOCTYPE html><html lang="ru"><head><meta charset="utf-8"><title>'
                  f'Все новости</title></head><body><h1>Все новости</h1>{cards}</body></html>')
    site.add_html("/about/", '<!DOCTYPE html><html lang="ru"><head><meta charset="utf-8"><title>'
                  "О проекте</title></head><body><h1>О проекте</h1><p>Dala News — вымышленный "
                  "новостной портал для тестов.</p></body></html>")
    site.add("/robots.txt", TEXT, robots(("/amp/", "/search/"), ("/sitemap-index.xml",)))
    site.non_articles += ["/news/", "/about/", "/sitemap-index.xml", "/sitemap-news-1.xml"]
    return site


# --- Steppe Inform: the national agency ----------------------------------------------------

_SI = {
    "ru": {"menu": ("Лента новостей", "Политика", "Экономика", "Общество", "Регионы", "Спорт"),
           "share": "Поделиться", "latest": "Последние новости", "also": "Читайте также",
           "caption": "Фото: пресс-служба", "telegram": "Подписывайтесь на наш Telegram-канал",
           "cookie": "Этот сайт использует cookies. Продолжая просмотр, вы соглашаетесь с "
           "политикой конфиденциальности.", "lenta": "/ru/lenta", "next": "Следующая страница"},
    "kk": {"menu": ("Жаңалықтар таспасы", "Саясат", "Экономика", "Қоғам", "Аймақтар", "Спорт"),
           "share": "Бөлісу", "latest": "Соңғы жаңалықтар", "also": "Оқи отырыңыз",
           "caption": "Фото: баспасөз қызметі", "telegram": "Telegram-арнамызға жазылыңыз",
           "cookie": "Бұл сайт cookie файлдарын пайдаланады.", "lenta": "/kz/lenta",
           "next": "Келесі бет"},
}
_SI_FOOTER = "© 1997–2025 МИА «Steppe Inform». Использование материалов без ссылки запрещено."
SI_PER_PAGE = 3


def _si_card(a: Article) -> str:
    return (f'<a class="news-card" href="{a.path}"><time class="meta-date">'
            f'{agency_nominative(a.local, a.language)}</time><h3 class="card-title">'
            f"{esc(a.title)}</h3></a>")


def _si_article(a: Article, arts: tuple[Article, ...]) -> Rendered:
    t = _SI[a.language]
    menu = "".join(f'<a class="header__nav-link" href="{t["lenta"]}?section={n}">{esc(m)}</a>'
                   for n, m in enumerate(t["menu"]))
    side = latest(arts, a, 5, a.language)
    body = "".join(f"<p>{esc(p)}</p>" for p in a.paragraphs)
    url = f"{BASE}{a.path}"
    # the other-language edition of the same story, both ways (hreflang)
    editions = "".join(
        f'<link rel="alternate" hreflang="{e.language}" href="{BASE}{e.path}">\n'
        for e in arts if e.edition_of == a.ref or a.edition_of == e.ref)
    page = f"""<!DOCTYPE html>
<html lang="{a.language}">
<head>
<meta charset="UTF-8">
<title>{esc(a.title)}</title>
<link rel="canonical" href="{url}">
{editions}
<link rel="amphtml" href="{BASE}/amp{a.path}">
<meta property="og:title" content="{esc(a.title)}">
<meta property="article:published_time" content="{iso_local(a.local)}">
<meta property="article:section" content="{esc(a.rubric)}">
{json_ld(a, "Steppe Inform", url)}
</head>
<body>
<header class="header"><div class="header__top"><a class="header__logo" href="/ru">STEPPE INFORM</a>
<div class="header__langs"><a href="/kz/lenta">Қаз</a> <a href="/ru/lenta">Рус</a></div>
<a class="header__search" href="/ru/search?q=">Поиск</a></div>
<nav class="header__nav">{menu}</nav></header>
<div class="layout">
<article class="article">
<div class="article__meta"><span class="article__category">{esc(a.rubric)}</span>
<time class="meta-date">{agency_nominative(a.local, a.language)}</time></div>
<h1 class="article__title">{esc(a.title)}</h1>
<figure class="article__photo"><img src="/storage/{a.local:%Y%m}/{a.path[-8:]}.webp" alt="">
<figcaption class="article__photo-caption">{t["caption"]}</figcaption></figure>
<div class="article__body-text">{body}
<p class="article__subscribe"><a href="https://t.me/steppeinform">{t["telegram"]}</a></p></div>
<div class="article__share">{share_buttons("share", t["share"], ("telegram", "whatsapp"))}</div>
</article>
<section class="read-more"><h2 class="read-more__title">{t["also"]}</h2>
{"".join(_si_card(r) for r in related(arts, a))}</section>
<aside class="sidebar"><div class="sidebar__title">{t["latest"]}</div>
{"".join(_si_card(s) for s in side)}</aside>
</div>
<footer class="footer">{_SI_FOOTER}</footer>
<div class="cookie-banner">{t["cookie"]}</div>
</body>
</html>
"""
    boiler = (t["menu"][0], t["share"], t["telegram"], t["caption"], side[0].title, t["cookie"])
    return Rendered(a, page, boiler)


def _si_listing(cards: list[Article], language: str, page: int, pages: int) -> str:
    t = _SI[language]
    nav = ""
    if page < pages:
        nav = (f'<a class="pagination__next" rel="next" href="{t["lenta"]}?page={page + 1}">'
               f'{t["next"]}</a>')
    return (f'<!DOCTYPE html><html lang="{language}"><head><meta charset="UTF-8"><title>'
            f'{t["menu"][0]}</title></head><body><h1>{t["menu"][0]}</h1><div class="lenta">'
            + "".join(_si_card(a) for a in cards) + f'</div><div class="pagination">{nav}</div>'
            '<a href="/ru/o-nas">Об агентстве</a></body></html>')


def build_steppeinform(arts: tuple[Article, ...]) -> OutletSite:
    site = OutletSite("steppeinform")
    for a in arts:
        page = _si_article(a, arts)
        site.add_article(page)
        site.add_forbidden(f"/amp{a.path}",
                           f"<html amp><body><h1>{esc(a.title)}</h1></body></html>")
    for language, prefix in (("ru", "/ru/lenta"), ("kk", "/kz/lenta")):
        own = sorted((a for a in arts if a.language == language), key=lambda x: x.local,
                     reverse=True)
        pages = (len(own) + SI_PER_PAGE - 1) // SI_PER_PAGE
        for n in range(1, pages + 1):
            path = prefix if n == 1 else f"{prefix}?page={n}"
            chunk = own[(n - 1) * SI_PER_PAGE: n * SI_PER_PAGE]
            site.add_html(path, _si_listing(chunk, language, n, pages))
            site.non_articles.append(path)
    site.add_html("/ru/o-nas", '<!DOCTYPE html><html lang="ru"><head><meta charset="UTF-8">'
                  "<title>Об агентстве</title></head><body><h1>Об агентстве</h1><p>Steppe Inform"
                  " — вымышленное национальное агентство для тестов.</p></body></html>")
    site.non_articles.append("/ru/o-nas")
    site.add("/robots.txt", TEXT, robots(("/amp/", "/ru/search")))
    return site
