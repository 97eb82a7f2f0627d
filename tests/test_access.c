/*
 * test_access.c - server/access.c: which Host headers the server answers
 * to (dl_host_allowed), and which origins CORS lets in.
 */
#include <stddef.h>

#include "dateline/access.h"
#include "dateline/config.h"
#include "dl_test.h"

static void test_hosts(void)
{
    static const char *const allow[] = {"search.example", "Other.Example:8443", "[2001:db8::7]"};
    struct dl_server_config loop = {.loopback = 1};
    struct dl_server_config pub = {.allow_hosts = allow, .nallow_hosts = 3};
    static const struct {
        const char *host; /* NULL: no Host header */
        int loopback_ok;  /* answered on a loopback bind without --allow-host */
        int public_ok;    /* answered on a public bind with the three above */
    } cases[] = {
        {"localhost", 1, 1},
        {"localhost:8080", 1, 1},
        {"LOCALHOST:8080", 1, 1},
        {"127.0.0.1", 1, 1},
        {"127.0.0.1:8080", 1, 1},
        {"[::1]", 1, 1},
        {"[::1]:8080", 1, 1},
        {NULL, 1, 0},
        {"localhost:8081", 0, 0},  /* another port */
        {"localhost:", 0, 0},      /* an empty port */
        {"localhost:80800", 0, 0}, /* the bound port and more */
        {"localhost.", 0, 0},
        {"localhost.evil.example", 0, 0},
        {"127.0.0.1.nip.io", 0, 0},
        {"127.0.0.2", 0, 0},
        {"::1", 0, 0},
        {"[::1]x", 0, 0},
        {"", 0, 0},
        {"evil.example", 0, 0},
        {"search.example", 0, 1},
        {"search.example:8080", 0, 1},
        {"Search.Example", 0, 1},
        {"search.example:1", 0, 0},
        {"x.search.example", 0, 0},
        {"search.example.evil", 0, 0},
        {"other.example:8443", 0, 1}, /* NAME:PORT: only itself */
        {"other.example", 0, 0},
        {"other.example:8080", 0, 0},
        {"[2001:db8::7]", 0, 1},
        {"[2001:db8::7]:8080", 0, 1},
        {"[2001:db8::7]:80", 0, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *h = cases[i].host ? cases[i].host : "(none)";
        CHECK(dl_host_allowed(&loop, cases[i].host, 8080) == cases[i].loopback_ok,
              "loopback bind, Host %s: want %d", h, cases[i].loopback_ok);
        CHECK(dl_host_allowed(&pub, cases[i].host, 8080) == cases[i].public_ok,
              "public bind with --allow-host, Host %s: want %d", h, cases[i].public_ok);
    }
}

static void test_origins(void)
{
    static const char *const cors[] = {"https://intranet.example"};
    struct dl_server_config cfg = {.cors = cors, .ncors = 1};
    CHECK(dl_origin_allowed(&cfg, "https://intranet.example"), "a --cors origin is allowed");
    CHECK(!dl_origin_allowed(&cfg, "https://intranet.example.evil"), "another origin is not");
    CHECK(!dl_origin_allowed(&cfg, NULL), "no Origin is not");
}

int main(void)
{
    test_hosts();
    test_origins();
    return dl_test_report();
}
