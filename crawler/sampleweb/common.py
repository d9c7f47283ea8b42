"""Building blocks shared by the outlet layouts: served resources, escaping,
share buttons with inline SVG, reader comments, feeds and sitemaps.

Absolute URLs are written with the :data:`BASE` token; the server replaces it
with the outlet's real ``http://127.0.0.N:PORT`` when it starts.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from .content import Article
from .dates import SAMPLE_NOW

BASE = "@@BASE@@"
HTML = "text/html; charset=utf-8"
XML = "application/xml; charset=utf-8"
RSS = "application/rss+xml; charset=utf-8"
TEXT = "text/plain; charset=utf-8"


@dataclass(frozen=True)
class Resource:
    """One served URL: status, Content-Type and body (with :data:`BASE` tokens)."""

    status: int
    content_type: str
    body: bytes
    any_query: bool = False  # an article: served whatever tracking parameters are appended


@dataclass(frozen=True)
class Rendered:
    """An article page and the boilerplate phrases the layout put around the article."""

    article: Article
    html: str
    boilerplate: tuple[str, ...]


@dataclass
class OutletSite:
    """Everything one outlet serves, plus the lists the tests and expectations need."""

    source_id: str
    charset: str = "utf-8"
    resources: dict[str, Resource] = field(default_factory=dict)
    pages: list[Rendered] = field(default_factory=list)
    broken: list[tuple[str, int]] = field(default_factory=list)
    disallowed: list[str] = field(default_factory=list)  # linked, but robots.txt forbids them
    non_articles: list[str] = field(default_factory=list)  # listings, about pages, feeds
    variants: list[tuple[str, str]] = field(default_factory=list)  # (variant, canonical path)

    def add_html(self, path: str, text: str, *, status: int = 200, article: bool = False) -> None:
        ctype = f"text/html; charset={self.charset}"
        self.resources[path] = Resource(status, ctype, text.encode(self.charset), article)

    def add(self, path: str, content_type: str, text: str) -> None:
        self.resources[path] = Resource(200, content_type, text.encode("utf-8"))

    def add_article(self, page: Rendered) -> None:
        """Serve an article page at its path and keep it for the expectations."""
        self.pages.append(page)
        self.add_html(page.article.path, page.html, article=True)

    def add_forbidden(self, path: str, text: str) -> None:
        """Serve a page that robots.txt forbids (print, AMP, mobile variants)."""
        self.add_html(path, text)
        self.disallowed.append(path)


def esc(text: str) -> str:
    return html.escape(text, quote=True)


_ICONS = {
    "facebook": "M9 8H6v4h3v12h5V12h3.6l.4-4h-4V6.3c0-1 .2-1.3 1.1-1.3H18V0h-3.8C10.6 0 9 1.6 "
                "9 4.6V8z",
    "telegram": "M9.4 15.6 9 21.3c.6 0 .8-.2 1.1-.5l2.7-2.6 5.6 4.1c1 .6 1.8.3 2-1l3.7-17c.3-1.4"
                "-.5-2-1.5-1.7L1 9.3c-1.4.5-1.4 1.3-.2 1.7l5.6 1.7L19.5 4.5c.6-.4 1.2-.2.7.2",
    "whatsapp": "M12 0a12 12 0 0 0-10.4 18L0 24l6.2-1.6A12 12 0 1 0 12 0zm5.8 17c-.3.7-1.4 1.3-2"
                " 1.4-.5 0-1.1.2-3.6-.8-3-1.2-4.9-4.3-5-4.5-.2-.2-1.2-1.6-1.2-3s.8-2.2 1-2.5",
    "vk": "M12.8 17.3c-6.5 0-10.3-4.5-10.5-12h3.3c.1 5.5 2.6 7.8 4.5 8.3V5.3h3.1v4.7c1.9-.2 3.9-2.4"
          " 4.5-4.7h3.1c-.5 2.9-2.6 5.1-4.1 6 1.5.7 3.9 2.6 4.8 6h-3.4c-.7-2.3-2.5-4-4.9-4.3v4.3z",
}


def share_buttons(css: str, label: str, networks: tuple[str, ...] = ("facebook", "telegram",
                                                                    "whatsapp")) -> str:
    """A share block: the label and one link with an inline SVG icon per network."""
    links = "".join(
        f'<a class="{css}__btn {css}__btn--{n}" href="#" data-share="{n}" aria-label="{n}">'
        f'<svg viewBox="0 0 24 24" width="20" height="20"><path d="{_ICONS[n]}"/></svg></a>'
        for n in networks)
    return f'<div class="{css}"><span class="{css}__label">{esc(label)}</span>{links}</div>'


# Reader comments: (author, text).  Their dates are printed by each layout.
COMMENTS_RU = (
    ("Марат_К", "Хорошее дело, побольше бы таких инициатив в наших районах!"),
    ("Ольга Петровна", "А в наше село опять никто не доехал. Кому жаловаться?"),
    ("nurlan_88", "Интересно, сколько из этих денег дойдёт до людей на самом деле."),
    ("Гость", "Спасибо журналистам, что пишете об этом, обычно такие новости не замечают."),
    ("Асель", "Мой сын тоже ходит волонтёром, очень нравится. Рекомендую всем студентам."),
    ("Виктор С.", "Опять форумы и круглые столы, а дороги во дворе как были разбитые, так и есть."),
)


def pick_comments(article: Article, count: int = 2) -> list[tuple[str, str, datetime]]:
    """Deterministic reader comments for ``article``, dated after it and before SAMPLE_NOW."""
    start = sum(map(ord, article.key)) % len(COMMENTS_RU)
    out = []
    for n in range(count):
        author, text = COMMENTS_RU[(start + n) % len(COMMENTS_RU)]
        when = article.local + timedelta(minutes=47 + 95 * n)
        latest = SAMPLE_NOW.astimezone(article.local.tzinfo) - timedelta(minutes=9 - 3 * n)
        out.append((author, text, min(when, latest)))
    return out


def latest(articles: tuple[Article, ...], exclude: Article | None, count: int,
           language: str | None = None) -> list[Article]:
    """The outlet's newest articles (a "Последние новости" block)."""
    pool = [a for a in articles
            if a is not exclude and (language is None or a.language == language)]
    return sorted(pool, key=lambda a: a.local, reverse=True)[:count]


def related(articles: tuple[Article, ...], current: Article, count: int = 2) -> list[Article]:
    """'Read also': same rubric first, then the articles following in file order."""
    same = [a for a in articles if a is not current and a.rubric == current.rubric
            and a.language == current.language]
    i = articles.index(current)
    rest = [a for a in articles[i + 1:] + articles[:i] if a not in same
            and a.language == current.language]
    return (same + rest)[:count]


def robots(disallow: tuple[str, ...], sitemaps: tuple[str, ...] = ()) -> str:
    lines = ["User-agent: *", *(f"Disallow: {d}" for d in disallow), ""]
    lines += [f"Sitemap: {BASE}{s}" for s in sitemaps]
    return "\n".join(lines) + "\n"


def urlset(entries: list[tuple[str, str]]) -> str:
    """A sitemaps.org ``urlset`` of (path, lastmod)."""
    items = "".join(f"<url><loc>{BASE}{esc(p)}</loc><lastmod>{m}</lastmod></url>\n"
                    for p, m in entries)
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n' + items
            + "</urlset>\n")


def sitemap_index(entries: list[tuple[str, str]]) -> str:
    items = "".join(f"<sitemap><loc>{BASE}{esc(p)}</loc><lastmod>{m}</lastmod></sitemap>\n"
                    for p, m in entries)
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n' + items
            + "</sitemapindex>\n")


def rss(title: str, link: str, description: str, items: list[str], language: str = "ru") -> str:
    """An RSS 2.0 channel; ``items`` are ready ``<item>`` elements."""
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0">\n<channel>\n'
            f"<title>{esc(title)}</title>\n<link>{BASE}{esc(link)}</link>\n"
            f"<description>{esc(description)}</description>\n<language>{language}</language>\n"
            + "".join(items) + "</channel>\n</rss>\n")


def json_ld(article: Article, publisher: str, url: str) -> str:
    """A schema.org NewsArticle block with ``datePublished`` (agency-style outlets only)."""
    import json

    from .dates import iso_local

    data = {"@context": "https://schema.org", "@type": "NewsArticle", "headline": article.title,
            "datePublished": iso_local(article.local), "dateModified": iso_local(article.local),
            "inLanguage": article.language, "mainEntityOfPage": url,
            "publisher": {"@type": "Organization", "name": publisher}}
    return ('<script type="application/ld+json">'
            + json.dumps(data, ensure_ascii=False).replace("</", "<\\/") + "</script>")


def not_found_page(title: str) -> str:
    return (f'<!DOCTYPE html><html lang="ru"><head><meta charset="utf-8"><title>404 — {esc(title)}'
            '</title></head><body><h1>Страница не найдена</h1><p>Возможно, она была удалена '
            'или перемещена.</p><a href="/">На главную</a></body></html>')


def server_error_page() -> str:
    return ("<!DOCTYPE html><html><head><title>500 Internal Server Error</title></head><body>"
            "<h1>Internal Server Error</h1><p>The server encountered an internal error.</p>"
            "</body></html>")
