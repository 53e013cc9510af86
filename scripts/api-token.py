#!/usr/bin/env python3
"""Signs in on the web and makes an API token (printed): scripts/api-token.py BASE USER PASSWORD."""
import http.cookiejar, re, sys, urllib.parse, urllib.request

base, user, password = sys.argv[1:4]
jar = http.cookiejar.CookieJar()
web = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))

def csrf(html):
    return re.search(r'name="_csrf" value="([^"]+)"', html).group(1)

def post(path, fields):
    data = urllib.parse.urlencode(fields).encode()
    return web.open(urllib.request.Request(base + path, data=data, method="POST")).read().decode()

page = web.open(base + "/login").read().decode()
home = post("/login", {"_csrf": csrf(page), "username": user, "password": password})
tokens = web.open(base + "/tokens").read().decode()
made = post("/tokens", {"_csrf": csrf(tokens), "name": "schemathesis", "days": "7"})
print(re.search(r'id="new-token">([^<]+)<', made).group(1))
