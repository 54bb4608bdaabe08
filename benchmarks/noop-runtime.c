// A minimal compiled custom runtime for benchmarks: answers every event with "{}".
// One keep-alive connection to AWS_LAMBDA_RUNTIME_API, no allocation per event.
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

static char buffer[1 << 20];
static size_t filled;

static int connect_api(void) {
    const char *api = getenv("AWS_LAMBDA_RUNTIME_API");
    char host[64];
    const char *colon = strrchr(api, ':');
    snprintf(host, sizeof host, "%.*s", (int)(colon - api), api);
    struct sockaddr_in address = {.sin_family = AF_INET, .sin_port = htons((unsigned short)atoi(colon + 1))};
    inet_pton(AF_INET, host, &address.sin_addr);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (connect(fd, (struct sockaddr *)&address, sizeof address) != 0) exit(1);
    return fd;
}

// Reads one HTTP response; copies the request id header (if any) into `id`.
static void read_response(int fd, char *id, size_t id_size) {
    char *end;
    while ((end = memmem(buffer, filled, "\r\n\r\n", 4)) == NULL) {
        ssize_t n = read(fd, buffer + filled, sizeof buffer - filled);
        if (n <= 0) exit(0);
        filled += (size_t)n;
    }
    size_t head = (size_t)(end - buffer) + 4;
    size_t length = 0;
    for (char *line = buffer; line < end; line = strstr(line, "\r\n") + 2) {
        if (strncasecmp(line, "Content-Length:", 15) == 0) length = strtoul(line + 15, NULL, 10);
        if (id && strncasecmp(line, "Lambda-Runtime-Aws-Request-Id:", 30) == 0) {
            char *value = line + 30;
            while (*value == ' ') value++;
            size_t n = strcspn(value, "\r");
            snprintf(id, id_size, "%.*s", (int)n, value);
        }
    }
    while (filled < head + length) {
        ssize_t n = read(fd, buffer + filled, sizeof buffer - filled);
        if (n <= 0) exit(0);
        filled += (size_t)n;
    }
    memmove(buffer, buffer + head + length, filled - head - length);
    filled -= head + length;
}

int main(void) {
    int fd = connect_api();
    const char *next = "GET /2018-06-01/runtime/invocation/next HTTP/1.1\r\nHost: runtime\r\n\r\n";
    char id[128], request[512];
    for (;;) {
        if (write(fd, next, strlen(next)) < 0) return 1;
        read_response(fd, id, sizeof id);
        int n = snprintf(request, sizeof request,
                         "POST /2018-06-01/runtime/invocation/%s/response HTTP/1.1\r\nHost: runtime\r\n"
                         "Content-Length: 2\r\n\r\n{}", id);
        if (write(fd, request, (size_t)n) < 0) return 1;
        read_response(fd, NULL, 0);
    }
}
