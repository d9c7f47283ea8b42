"""Layouts of the Azerbaijani outlets: the state agency (AZERTAC-like), the NGO
support agency (ngoagency.gov.az-like) and the old windows-1251 newspaper."""

from __future__ import annotations

from datetime import date

from .common import (
    BASE,
    RSS,
    TEXT,
    XML,
    OutletSite,
    Rendered,
    esc,
    json_ld,
    latest,
    not_found_page,
    pick_comments,
    related,
    robots,
    rss,
    share_buttons,
    urlset,
)
from .content import Article
from .dates import agency_numeric, day_numeric, iso_local, rfc822

# --- Azerinform: the state agency -----------------------------------------------------------

_AZI = {
    "ru": {"menu": ("Официальная хроника", "Политика", "Экономика", "Общество", "В мире", "Спорт"),
           "home": "/ru", "list": "/ru/xeber", "share": "Поделиться", "latest": "Последние новости",
           "related": "Читайте также", "print": "Версия для печати",
           "cookie": "Сайт использует файлы cookie для улучшения работы сервиса.",
           "accept": "Принять", "footer": "При использовании материалов гиперссылка на Азеринформ "
           "обязательна.", "about": "Об агентстве", "news": "Новости"},
    "az": {"menu": ("Rəsmi xronika", "Siyasət", "İqtisadiyyat", "Cəmiyyət", "Dünya", "İdman"),
           "home": "/", "list": "/xeber", "share": "Paylaş", "latest": "Son xəbərlər",
           "related": "Digər xəbərlər", "print": "Çap versiyası",
           "cookie": "Sayt xidmətin işini yaxşılaşdırmaq üçün kuki fayllarından istifadə edir.",
           "accept": "Qəbul et", "footer": "Materiallardan istifadə edərkən Azerinform-a "
           "hiperlinklə istinad mütləqdir.", "about": "Agentlik haqqında", "news": "Xəbərlər"},
}
_AZI_BROKEN = "/ru/xeber/v_gyandje_otkryt_novyi_resursnyi_centr_npo-3816100"
_AZI_UTM = "?utm_source=rss&utm_medium=feed"


def _azi_article(a: Article, arts: tuple[Article, ...]) -> Rendered:
    t = _AZI[a.language]
    side = latest(arts, a, 5, a.language)
    rel = related(arts, a)
    menu = "".join(f'<li class="main-menu__item"><a href="{t["list"]}?cat={n}">{esc(m)}</a></li>'
                   for n, m in enumerate(t["menu"]))
    body = "".join(f"<p>{esc(p)}</p>\n" for p in a.paragraphs)
    side_html = "".join(f'<li><span class="time">{a2.local:%H:%M}</span> '
                        f'<a href="{BASE}{a2.path}">{esc(a2.title)}</a></li>' for a2 in side)
    rel_html = "".join(f'<li><a href="{r.path}">{esc(r.title)}</a></li>' for r in rel)
    url = f"{BASE}{a.path}"
    page = f"""<!DOCTYPE html>
<html lang="{a.language}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{esc(a.title)} | Azerinform</title>
<link rel="canonical" href="{url}">
<meta property="og:type" content="article">
<meta property="og:title" content="{esc(a.title)}">
<meta property="og:url" content="{url}">
<meta property="article:published_time" content="{iso_local(a.local)}">
{json_ld(a, "Azerinform", url)}
<link rel="stylesheet" href="/static/css/app.min.css?v=3.2">
</head>
<body class="page-news-detail">
<header class="site-header">
<div class="top-bar"><a href="/ru">Русский</a> <a href="/">Azərbaycanca</a>
<a href="/en">English</a>
<span class="top-bar__weather">Bakı +9°</span></div>
<a class="logo" href="{t["home"]}">AZERINFORM</a>
<nav class="main-menu"><ul>{menu}</ul></nav>
<form class="search-form" action="/ru/search"><input name="q" type="search"></form>
</header>
<main class="container">
<div class="row">
<div class="col-lg-8">
<ol class="breadcrumb"><li><a href="{t["home"]}">Azerinform</a></li>
<li><a href="{t["list"]}">{t["news"]}</a></li><li>{esc(a.rubric)}</li></ol>
<div class="news-detail">
<h1 class="entry-title">{esc(a.title)}</h1>
<div class="entry-meta"><span class="news-date">{agency_numeric(a.local)}</span>
<span class="news-category">{esc(a.rubric)}</span></div>
<div class="news-image"><img src="/uploads/{a.local:%Y/%m}/{a.path.rsplit('-', 1)[-1]}.jpg"
 alt=""></div>
<div class="news-body">
<span class="news-dateline">date {a.local:%Y-%m-%d}</span>
{body}{share_buttons("share-box", t["share"])}
</div>
<a class="print-link" href="/print{a.path}">{t["print"]}</a>
</div>
<section class="related-news"><h3>{t["related"]}</h3><ul>{rel_html}</ul></section>
</div>
<aside class="col-lg-4"><div class="last-news"><h3 class="last-news__title">{t["latest"]}</h3>
<ul>{side_html}</ul></div></aside>
</div>
</main>
<footer class="site-footer"><p>© 1920–2025 Azerinform. {t["footer"]}</p>
<a href="/ru/about">{t["about"]}</a></footer>
<div class="cookie-consent">{t["cookie"]} <button type="button">{t["accept"]}</button></div>
</body>
</html>
"""
    boiler = (t["menu"][0], side[0].title, t["share"], t["related"], t["cookie"], t["footer"])
    return Rendered(a, page, boiler)


def _azi_list(arts: list[Article], language: str) -> str:
    t = _AZI[language]
    cards = "".join(f'<div class="news-item"><a class="news-item__link" href="{BASE}{a.path}">'
                    f'{esc(a.title)}</a><span class="news-item__date">{agency_numeric(a.local)}'
                    "</span></div>\n" for a in arts)
    return (f'<!DOCTYPE html><html lang="{language}"><head><meta charset="utf-8"><title>'
            f'{t["news"]} | Azerinform</title></head><body><h1>{t["news"]}</h1>'
            f'<div class="news-list">{cards}</div><a href="/ru/about">{t["about"]}</a>'
            "</body></html>")


def build_azerinform(arts: tuple[Article, ...]) -> OutletSite:
    site = OutletSite("azerinform")
    for a in arts:
        page = _azi_article(a, arts)
        site.add_article(page)
        site.add_forbidden(f"/print{a.path}", f"<html><body><h1>{esc(a.title)}</h1>"
                           + "".join(f"<p>{esc(p)}</p>" for p in a.paragraphs) + "</body></html>")
    newest = sorted(arts, key=lambda x: x.local, reverse=True)
    for language, feed, listing in (("ru", "/ru/rss", "/ru/xeber"), ("az", "/rss", "/xeber")):
        items = []
        for a in (x for x in newest if x.language == language):
            # The feed links one article with tracking parameters: canonical-URL dedup.
            link = a.path + (_AZI_UTM if a.key == "caspian-cleanup" else "")
            items.append(f"<item><title>{esc(a.title)}</title><link>{BASE}{esc(link)}</link>"
                         f"<pubDate>{rfc822(a.local)}</pubDate><category>{esc(a.rubric)}"
                         "</category></item>\n")
            if link != a.path:
                site.variants.append((link, a.path))
        if language == "ru":  # an item whose page was withdrawn: 404
            items.insert(2, f"<item><title>В Гяндже открыт новый ресурсный центр НПО</title>"
                            f"<link>{BASE}{_AZI_BROKEN}</link><pubDate>Mon, 24 Nov 2025 "
                            "13:05:00 +0400</pubDate></item>\n")
        # Like AZERTAC's: no <guid> and no body text, only title, link and date.
        site.add(feed, RSS, rss("Azerinform", listing, "Azerinform xəbərləri", items, language))
        site.add_html(listing, _azi_list([x for x in newest if x.language == language], language))
        site.non_articles += [feed, listing]
    site.add_html(_AZI_BROKEN, not_found_page("Azerinform"), status=404)
    site.broken.append((_AZI_BROKEN, 404))
    site.add_html("/ru/about", '<html lang="ru"><head><meta charset="utf-8"><title>Об агентстве'
                  "</title></head><body><h1>Об агентстве</h1><p>Azerinform — государственное "
                  "информационное агентство (вымышленное, для тестов).</p></body></html>")
    site.non_articles.append("/ru/about")
    site.add("/robots.txt", TEXT, robots(("/print/", "/ru/search")))
    return site


# --- QHT Agency: the NGO support agency ---------------------------------------------------

_QHT = {
    "ru": {"menu": ("Об Агентстве", "Гранты", "Дома НПО", "Электронные услуги", "Медиа"),
           "share": "Поделиться", "other": "Другие новости", "print": "Печать",
           "cookie": "Мы используем cookies, чтобы сделать сайт удобнее.", "ok": "Понятно",
           "footer": "Баку, AZ1010, ул. Низами, 90. Телефон горячей линии: 146",
           "news": "Новости", "topline": "Официальный сайт государственного агентства"},
    "az": {"menu": ("Agentlik haqqında", "Qrantlar", "QHT Evləri", "Elektron xidmətlər", "Media"),
           "share": "Paylaş", "other": "Digər xəbərlər", "print": "Çap et",
           "cookie": "Saytdan rahat istifadə üçün kukilərdən istifadə edirik.", "ok": "Aydındır",
           "footer": "Bakı, AZ1010, Nizami küçəsi, 90. Qaynar xətt: 146",
           "news": "Xəbərlər", "topline": "Dövlət agentliyinin rəsmi saytı"},
}


def _qht_article(a: Article, arts: tuple[Article, ...]) -> Rendered:
    t = _QHT[a.language]
    lang = a.language
    menu = "".join(f'<a class="nav-link" href="/{lang}/page/{n}">{esc(m)}</a>'
                   for n, m in enumerate(t["menu"], 1))
    other = latest(arts, a, 4, lang)
    other_html = "".join(f'<div class="side-post"><a href="{o.path}">{esc(o.title)}</a><small>'
                         f"{day_numeric(o.local)}</small></div>" for o in other)
    body = "".join(f"<p>{esc(p)}</p>" for p in a.paragraphs)
    # the other-language edition of the same post, both ways (hreflang)
    editions = "".join(
        f'<link rel="alternate" hreflang="{e.language}" href="{BASE}{e.path}">\n'
        for e in arts if e.edition_of == a.ref or a.edition_of == e.ref)
    page = f"""<!DOCTYPE html>
<html lang="{lang}">
<head><meta charset="utf-8"><title>{esc(a.title)} — QHT Agency</title>
<link rel="canonical" href="{BASE}{a.path}">
{editions}
<link href="/assets/bootstrap.min.css" rel="stylesheet"></head>
<body>
<div class="gov-topline">{t["topline"]} · <a href="/az/posts">AZ</a> ·
<a href="/ru/posts">RU</a></div>
<header class="agency-header navbar"><a class="navbar-brand" href="/{lang}/posts">QHT Agency</a>
<nav class="navbar-nav">{menu}</nav></header>
<div class="container"><div class="row">
<div class="col-md-9"><div class="post-single">
<h1 class="post-title">{esc(a.title)}</h1>
<div class="post-date"><i class="fa fa-calendar"></i> {day_numeric(a.local)}</div>
<div class="post-content">{body}</div>
<div class="post-actions">{share_buttons("post-share", t["share"], ("facebook", "telegram"))}
<a href="/print{a.path}">{t["print"]}</a></div>
</div></div>
<div class="col-md-3"><div class="sidebar-widget"><h4>{t["other"]}</h4>{other_html}</div></div>
</div></div>
<footer class="agency-footer">{t["footer"]}<br>© 2025</footer>
<div class="cookie-alert">{t["cookie"]} <a href="#" class="btn">{t["ok"]}</a></div>
</body></html>
"""
    return Rendered(a, page, (t["menu"][3], t["other"], other[0].title, t["cookie"], t["footer"]))


def build_qhtagency(arts: tuple[Article, ...]) -> OutletSite:
    site = OutletSite("qhtagency")
    for a in arts:
        page = _qht_article(a, arts)
        site.add_article(page)
        site.add_forbidden(f"/print{a.path}", f"<html><body><h1>{esc(a.title)}</h1></body></html>")
    for lang in ("ru", "az"):
        t = _QHT[lang]
        own = sorted((a for a in arts if a.language == lang), key=lambda x: x.local, reverse=True)
        cards = "".join(f'<div class="post-card"><a href="{a.path}">{esc(a.title)}</a>'
                        f'<span class="post-card__date">{day_numeric(a.local)}</span></div>'
                        for a in own)
        site.add_html(f"/{lang}/posts", f'<!DOCTYPE html><html lang="{lang}"><head><meta '
                      f'charset="utf-8"><title>{t["news"]}</title></head><body><h1>{t["news"]}'
                      f'</h1>{cards}<a href="/{lang}/page/1">{t["menu"][0]}</a></body></html>')
        site.add_html(f"/{lang}/page/1", f'<html lang="{lang}"><head><meta charset="utf-8">'
                      f'<title>{t["menu"][0]}</title></head><body><h1>{t["menu"][0]}</h1>'
                      "<p>QHT Agency (fictional).</p></body></html>")
        site.non_articles += [f"/{lang}/posts", f"/{lang}/page/1"]
    site.add("/robots.txt", TEXT, robots(("/print/", "/admin/")))
    return site


# --- Bakinsky Vestnik: the old windows-1251 newspaper ---------------------------------------

_BV_MENU = ("Политика", "Общество", "Экономика", "Культура", "История города", "Письма читателей")
_BV_COOKIE = "Продолжая пользоваться сайтом, вы соглашаетесь на использование cookie."
_BV_FOOTER = "Перепечатка материалов только с письменного разрешения редакции."


def _issue_no(day: date) -> str:
    total = 5000 + (day - date(2010, 1, 4)).days * 5 // 7
    return f"№ {day.timetuple().tm_yday * 5 // 7 + 1} ({total})"


def _bv_article(a: Article, arts: tuple[Article, ...]) -> Rendered:
    day = a.local.date()
    issue = [x for x in arts if x.local.date() == day and x is not a]
    menu = "<br>\n".join(f'<a href="/rubric/{n}/">{esc(m)}</a>' for n, m in enumerate(_BV_MENU))
    issues = sorted({x.local.date() for x in arts}, reverse=True)
    archive = "<br>\n".join(f'<a href="/archive/{d:%Y/%m/%d}/">{day_numeric(d)}</a>'
                            for d in issues)
    in_issue = "".join(f'<div class="vnomere"><a href="{x.path}">{esc(x.title)}</a></div>'
                       for x in issue) or "<div class=\"vnomere\">—</div>"
    # One <p> per typed-in line: a word cut by a page break stays cut, as in the scan.
    text = "\n".join(f"<p>{esc(p)}</p>" for p in a.paragraphs)
    lead = f'<h3 class="podzag">{esc(a.lead)}</h3>' if a.lead else ""
    comments = "".join(f'<div class="otzyv"><span class="otzyv_data">{when:%d.%m.%Y %H:%M}</span> '
                       f"<b>{esc(who)}</b>: {esc(what)}</div>"
                       for who, what, when in pick_comments(a))
    page = f"""<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 4.01 Transitional//EN">
<html>
<head>
<meta http-equiv="Content-Type" content="text/html; charset=windows-1251">
<meta charset="windows-1251">
<title>Бакинский вестник :: {esc(a.title)}</title>
<link rel="stylesheet" href="/css/style.css" type="text/css">
</head>
<body bgcolor="#FFFFFF" leftmargin="0" topmargin="0">
<table width="980" align="center" cellpadding="0" cellspacing="0" border="0">
<tr><td colspan="3" class="shapka"><a href="/"><img src="/img/logo.gif" alt="Бакинский вестник"
 width="400" height="80" border="0"></a>
<div class="slogan">Общественно-политическая газета. Выходит с 1992 года</div></td></tr>
<tr>
<td width="180" valign="top" class="levo">
<div class="menu_zag">Рубрики</div>
{menu}
<div class="menu_zag">Архив номеров</div>
{archive}
</td>
<td valign="top" class="centr">
<div class="nomer">{_issue_no(day)} от {day_numeric(day)}</div>
<div class="rubrika">{esc(a.rubric)}</div>
<h1 class="zag">{esc(a.title)}</h1>
{lead}
<div class="text">
{text}
</div>
<div class="print"><a href="/print{a.path}">Версия для печати</a> |
<a href="mailto:redakciya@bakvestnik.example">Написать в редакцию</a></div>
{share_buttons("soc", "Поделиться", ("facebook", "vk"))}
<div class="otzyvy"><b>Отзывы читателей</b>{comments}</div>
</td>
<td width="200" valign="top" class="pravo">
<div class="menu_zag">В этом номере</div>
{in_issue}
<div class="informer">Курсы ЦБА: USD 1.7000, EUR 1.8340, RUB 0.0211</div>
</td></tr>
<tr><td colspan="3" class="podval">© 1992–2025 «Бакинский вестник». {_BV_FOOTER}<br>
<img src="/cgi-bin/counter.gif" width="88" height="31" alt=""></td></tr>
</table>
<div id="cookie_note">{_BV_COOKIE} <a href="#">OK</a></div>
</body>
</html>
"""
    boiler = [_BV_MENU[-1], "Версия для печати", "Отзывы читателей", _BV_FOOTER, _BV_COOKIE,
              pick_comments(a)[0][1]]
    if issue:
        boiler.insert(1, issue[0].title)
    return Rendered(a, page, tuple(boiler))


def build_bakvestnik(arts: tuple[Article, ...]) -> OutletSite:
    site = OutletSite("bakvestnik", charset="windows-1251")
    for a in arts:
        page = _bv_article(a, arts)
        site.add_article(page)
        site.add_forbidden(f"/print{a.path}", f"<html><head><meta charset=\"windows-1251\"></head>"
                           f"<body><h1>{esc(a.title)}</h1></body></html>")
    days = sorted({a.local.date() for a in arts}, reverse=True)
    for d in days:
        rows = "".join(f'<tr><td><a href="{a.path}">{esc(a.title)}</a></td><td>'
                       f'<a href="/print{a.path}">печать</a></td></tr>'
                       for a in arts if a.local.date() == d)
        site.add_html(f"/archive/{d:%Y/%m/%d}/", f'<html><head><meta charset="windows-1251">'
                      f"<title>Номер от {day_numeric(d)}</title></head><body><h1>"
                      f"{_issue_no(d)} от {day_numeric(d)}</h1><table>{rows}</table></body></html>")
        site.non_articles.append(f"/archive/{d:%Y/%m/%d}/")
    issue_links = "".join(f'<li><a href="/archive/{d:%Y/%m/%d}/">Номер от {day_numeric(d)}</a></li>'
                          for d in days)
    fresh = "".join(f'<li><a href="{a.path}">{esc(a.title)}</a></li>'
                    for a in arts if a.local.date() == days[0])
    site.add_html("/archive/", '<html><head><meta charset="windows-1251"><title>Архив</title>'
                  f"</head><body><h2>Свежий номер</h2><ul>{fresh}</ul><h2>Архив номеров</h2>"
                  f'<ul>{issue_links}</ul><a href="/about.html">О газете</a></body></html>')
    site.add_html("/about.html", '<html><head><meta charset="windows-1251"><title>О газете'
                  "</title></head><body><h1>О газете</h1><p>«Бакинский вестник» (вымышленная "
                  "газета для тестов) выходит с 1992 года.</p></body></html>")
    site.add("/sitemap.xml", XML, urlset([(a.path, a.local.date().isoformat()) for a in arts]))
    site.add("/robots.txt", TEXT, robots(("/print/", "/cgi-bin/"), ("/sitemap.xml",)))
    site.non_articles += ["/archive/", "/about.html", "/sitemap.xml"]
    return site
