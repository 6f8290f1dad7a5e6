// The outbound HTTP client: one libcurl easy handle per call at a time, taken from a pool of
// idle ones (connectors/curl_pool.h), whose connection caches make keep-alive work.
//
// Messages of the returned Status name the method and the URL's origin only: a path or query
// may carry a code or a token (STYLE.md: never log a query string), and callers log these
// messages. Bodies never appear in them.
#include "connectors/http/client.h"

#include <curl/curl.h>

#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "common/url.h"
#include "connectors/curl_pool.h"

namespace gatehouse::connectors::http {
namespace {

using Headers = std::vector<std::pair<std::string, std::string>>;

// curl_global_init must run once before any other libcurl call; a function-local static runs it
// exactly once, on whichever thread calls first.
bool CurlReady() {
  static const bool ok = curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK;
  return ok;
}

// Where the body goes; stops the transfer once it would pass `max`.
struct BodySink {
  std::string* body;
  std::size_t max;
  bool over = false;
};

std::size_t OnWrite(char* data, std::size_t size, std::size_t nmemb, void* userp) {
  auto* sink = static_cast<BodySink*>(userp);
  const std::size_t n = size * nmemb;
  if (n > sink->max - sink->body->size()) {
    sink->over = true;
    return 0;  // anything short of n makes libcurl stop with CURLE_WRITE_ERROR
  }
  sink->body->append(data, n);
  return n;
}

// RFC 9110 §5.6.2 tchar.
bool IsTokenChar(unsigned char c) {
  if (c >= '0' && c <= '9') return true;
  if ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') return true;
  return std::string_view("!#$%&'*+-.^_`|~").find(static_cast<char>(c)) != std::string_view::npos;
}

// A header line must stay one line: CR or LF in a value would let a caller's data add headers.
Status CheckHeaders(const Headers& headers) {
  for (const auto& [name, value] : headers) {
    if (name.empty()) return InvalidArgumentError("http: empty header name");
    for (unsigned char c : name) {
      if (!IsTokenChar(c)) return InvalidArgumentError("http: header name is not a token");
    }
    for (unsigned char c : value) {
      if (c == '\r' || c == '\n' || c == '\0') {
        return InvalidArgumentError("http: header " + name + " contains CR, LF or NUL");
      }
    }
  }
  return Status::Ok();
}

Status Classify(CURLcode rc, const BodySink& sink, const std::string& what, const ClientOptions& options,
                const char* errbuf) {
  const std::string detail = errbuf[0] != '\0' ? errbuf : curl_easy_strerror(rc);
  switch (rc) {
    case CURLE_WRITE_ERROR:
      if (!sink.over) break;
      [[fallthrough]];
    case CURLE_FILESIZE_EXCEEDED:  // a Content-Length over CURLOPT_MAXFILESIZE, refused before reading
      return ResourceExhaustedError(what + ": response body larger than " + std::to_string(options.max_response_bytes) +
                                    " bytes");
    case CURLE_OPERATION_TIMEDOUT:
      // StatusCode has no kDeadlineExceeded (client.h names one); kUnavailable is the nearest
      // canonical code, as retrying later may work. The message says which limit was hit.
      return UnavailableError(what + ": timed out (timeout " + std::to_string(options.timeout.count()) +
                              " ms, connect timeout " + std::to_string(options.connect_timeout.count()) +
                              " ms): " + detail);
    case CURLE_URL_MALFORMAT:
    case CURLE_UNSUPPORTED_PROTOCOL:
      return InvalidArgumentError(what + ": " + detail);
    case CURLE_OUT_OF_MEMORY:
    case CURLE_FAILED_INIT:
    case CURLE_NOT_BUILT_IN:
    case CURLE_UNKNOWN_OPTION:
    case CURLE_BAD_FUNCTION_ARGUMENT:
      return InternalError(what + ": libcurl failed: " + detail);
    default:
      break;
  }
  // Refused, unresolved, reset, a TLS handshake or a certificate that does not verify (client.h
  // puts TLS failures here too), a broken transfer.
  return UnavailableError(what + ": " + detail);
}

Result<HttpResponse> Perform(const ClientOptions& options, CurlHandlePool& pool, std::string_view method,
                             std::string_view url, const std::string_view* form_body, const Headers& headers) {
  // Parsed here as well as by libcurl: the strict parser refuses userinfo, fragments and
  // control characters, and gives the origin for messages.
  Result<HttpUrl> parsed = ParseHttpUrl(url);
  if (!parsed.ok()) return InvalidArgumentError("http: bad URL: " + parsed.error().message());
  const std::string what = "http: " + std::string(method) + " " + parsed->scheme + "://" + parsed->host +
                           (parsed->port.empty() ? "" : ":" + parsed->port);
  RETURN_IF_ERROR(CheckHeaders(headers));
  if (options.timeout.count() <= 0 || options.connect_timeout.count() <= 0) {
    return InvalidArgumentError("http: timeouts must be positive");
  }
  if (options.max_response_bytes == 0) return InvalidArgumentError("http: max_response_bytes must be positive");

  if (!CurlReady()) return InternalError("http: curl_global_init failed");
  CurlHandle curl = pool.Take();
  if (!curl) return InternalError("http: curl_easy_init failed");
  std::unique_ptr<curl_slist, decltype(&curl_slist_free_all)> list(nullptr, curl_slist_free_all);
  auto add_header = [&list](const std::string& line) {
    curl_slist* next = curl_slist_append(list.get(), line.c_str());
    if (next == nullptr) return false;
    (void)list.release();  // now owned by `next`
    list.reset(next);
    return true;
  };
  // No "Expect: 100-continue" (libcurl adds it to larger POSTs): it costs a round trip, or a
  // one-second stall with servers that ignore it.
  bool headers_ok = add_header("Expect:");
  if (form_body != nullptr) headers_ok = headers_ok && add_header("Content-Type: application/x-www-form-urlencoded");
  for (const auto& [name, value] : headers) {
    // "Name;" is libcurl's way to send an empty value ("Name:" would remove the header).
    headers_ok = headers_ok && add_header(value.empty() ? name + ";" : name + ": " + value);
  }
  if (!headers_ok) return InternalError("http: out of memory");

  HttpResponse response;
  BodySink sink{&response.body, options.max_response_bytes};
  char errbuf[CURL_ERROR_SIZE] = {};
  const std::string url_string(url);
  CURL* h = curl.get();
  CURLcode rc = CURLE_OK;
  auto set = [&rc](CURLcode r) {
    if (rc == CURLE_OK) rc = r;
  };
  set(curl_easy_setopt(h, CURLOPT_URL, url_string.c_str()));
  set(curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https"));
  set(curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L));  // a 3xx is the caller's answer
  // No signals: calls run on several threads, and SIGALRM-based DNS timeouts are not
  // thread-safe. The process ignores SIGPIPE instead (app/main.cc).
  set(curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L));
  set(curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(options.timeout.count())));
  set(curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(options.connect_timeout.count())));
  set(curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L));
  set(curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L));
  // CAINFO replaces the default bundle file, while the default CA path (Debian: /etc/ssl/certs)
  // stays: the private CA comes in addition to the system's.
  if (!options.ca_file.empty()) set(curl_easy_setopt(h, CURLOPT_CAINFO, options.ca_file.c_str()));
  set(curl_easy_setopt(h, CURLOPT_USERAGENT, options.user_agent.c_str()));
  set(curl_easy_setopt(h, CURLOPT_HTTPHEADER, list.get()));
  set(curl_easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(options.max_response_bytes)));
  set(curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, OnWrite));
  set(curl_easy_setopt(h, CURLOPT_WRITEDATA, &sink));
  set(curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf));
  if (form_body != nullptr) {
    set(curl_easy_setopt(h, CURLOPT_POST, 1L));
    set(curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(form_body->size())));
    // Not a null pointer even when empty: POSTFIELDS = NULL would make libcurl call a read callback.
    set(curl_easy_setopt(h, CURLOPT_POSTFIELDS, form_body->empty() ? "" : form_body->data()));
  } else {
    set(curl_easy_setopt(h, CURLOPT_HTTPGET, 1L));
  }
  if (rc != CURLE_OK) return InternalError("http: cannot configure libcurl: " + std::string(curl_easy_strerror(rc)));

  rc = curl_easy_perform(h);
  if (rc != CURLE_OK) return Classify(rc, sink, what, options, errbuf);
  long status = 0;
  if (curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status) != CURLE_OK || status == 0) {
    return UnavailableError(what + ": no HTTP status in the response");
  }
  response.status = static_cast<int>(status);
  char* content_type = nullptr;
  if (curl_easy_getinfo(h, CURLINFO_CONTENT_TYPE, &content_type) == CURLE_OK && content_type != nullptr) {
    response.content_type = content_type;
  }
  pool.GiveBack(std::move(curl));
  return response;
}

}  // namespace

HttpClient::HttpClient(ClientOptions options)
    : options_(std::move(options)), pool_(std::make_unique<CurlHandlePool>(options_.idle_handles)) {}

HttpClient::~HttpClient() = default;

Result<HttpResponse> HttpClient::Get(std::string_view url, const Headers& headers) const {
  return Perform(options_, *pool_, "GET", url, nullptr, headers);
}

Result<HttpResponse> HttpClient::PostForm(std::string_view url, std::string_view body, const Headers& headers) const {
  return Perform(options_, *pool_, "POST", url, &body, headers);
}

}  // namespace gatehouse::connectors::http
