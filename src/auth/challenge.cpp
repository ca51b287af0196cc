#include "auth/challenge.h"

#include <cctype>

namespace auth {

namespace {

bool is_tchar(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) ||
           (c != '\0' && std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos);
}

bool is_token68_char(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == '_' ||
           c == '~' || c == '+' || c == '/';
}

std::string lower(std::string_view s) {
    std::string out(s);
    for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

class Cursor {
  public:
    explicit Cursor(std::string_view s) : s_(s) {}
    bool done() const { return i_ >= s_.size(); }
    char peek() const { return done() ? '\0' : s_[i_]; }
    size_t pos() const { return i_; }
    void seek(size_t p) { i_ = p; }
    void skip_ows() {
        while (!done() && (s_[i_] == ' ' || s_[i_] == '\t')) ++i_;
    }
    void skip_ows_and_commas() {
        while (!done() && (s_[i_] == ' ' || s_[i_] == '\t' || s_[i_] == ',')) ++i_;
    }
    // Past the next comma (or to the end): recovery from a damaged list element.
    void skip_element() {
        while (!done() && s_[i_] != ',') ++i_;
    }
    std::string_view token() {
        const size_t start = i_;
        while (!done() && is_tchar(s_[i_])) ++i_;
        return s_.substr(start, i_ - start);
    }
    // token68 followed only by OWS and then a comma or the end; else nothing is consumed.
    bool token68(std::string& out) {
        const size_t start = i_;
        size_t j = i_;
        while (j < s_.size() && is_token68_char(s_[j])) ++j;
        if (j == start) return false;
        while (j < s_.size() && s_[j] == '=') ++j;
        size_t k = j;
        while (k < s_.size() && (s_[k] == ' ' || s_[k] == '\t')) ++k;
        if (k < s_.size() && s_[k] != ',') return false;
        out.assign(s_.substr(start, j - start));
        i_ = k;
        return true;
    }
    // At a '"': the unquoted content. False when the closing quote is missing.
    bool quoted(std::string& out) {
        ++i_;  // the opening quote
        out.clear();
        while (!done()) {
            const char c = s_[i_++];
            if (c == '"') return true;
            if (c == '\\') {
                if (done()) return false;
                out.push_back(s_[i_++]);
                continue;
            }
            out.push_back(c);
        }
        return false;
    }

  private:
    std::string_view s_;
    size_t i_ = 0;
};

// Reads the auth-params of one challenge. Returns false when the input is damaged beyond
// recovery (an unterminated quoted string): parsing stops there.
bool read_params(Cursor& in, Challenge& ch) {
    for (;;) {
        in.skip_ows_and_commas();
        if (in.done()) return true;
        const size_t start = in.pos();
        const std::string_view name = in.token();
        if (name.empty()) {  // junk: drop this element
            in.skip_element();
            if (in.pos() == start) return true;
            continue;
        }
        in.skip_ows();
        if (in.peek() != '=') {  // "Scheme ..." of the next challenge
            in.seek(start);
            return true;
        }
        in.seek(in.pos() + 1);
        in.skip_ows();
        std::string value;
        if (in.peek() == '"') {
            if (!in.quoted(value)) return false;
        } else {
            value.assign(in.token());
        }
        ch.params.emplace_back(lower(name), std::move(value));
        in.skip_ows();
        if (!in.done() && in.peek() != ',') in.skip_element();  // trailing junk in the element
    }
}

}  // namespace

std::vector<Challenge> parse_challenges(std::string_view header_value) {
    std::vector<Challenge> out;
    Cursor in(header_value);
    for (;;) {
        in.skip_ows_and_commas();
        if (in.done()) break;
        const size_t start = in.pos();
        const std::string_view scheme = in.token();
        if (scheme.empty()) {
            in.skip_element();
            if (in.pos() == start) in.seek(start + 1);
            continue;
        }
        Challenge ch;
        ch.scheme = lower(scheme);
        const char after = in.peek();
        if (after != ' ' && after != '\t' && after != ',' && after != '\0') {
            in.skip_element();  // "Basic=..." or "Ba\x01sic": not a challenge
            continue;
        }
        in.skip_ows();
        bool intact = true;
        if (!in.done() && in.peek() != ',' && !in.token68(ch.token68)) intact = read_params(in, ch);
        out.push_back(std::move(ch));
        if (!intact) break;
    }
    return out;
}

}  // namespace auth
