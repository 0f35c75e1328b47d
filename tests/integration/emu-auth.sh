#!/bin/sh
# emu-auth.sh: bearer checks (401), the metadata server's flavor rules and
# token, the JWT-bearer grant with a real openssl key, the refresh grant.
. "$(dirname "$0")/emu-lib.sh"
command -v openssl >/dev/null 2>&1 || { echo "SKIP: openssl missing"; exit 77; }
command -v python3 >/dev/null 2>&1 || { echo "SKIP: python3 missing"; exit 77; }

openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 \
    -out "$EMU_TMP/sa.pem" 2>/dev/null || fail "genpkey"
openssl pkey -in "$EMU_TMP/sa.pem" -pubout -out "$EMU_TMP/sa.pub" || fail "pubout"
emu_start --sa-pubkey "$EMU_TMP/sa.pub" --refresh-token rt-good

# 401 without a token, with a bad one; the counter follows.
code=$(curl -s -o "$EMU_TMP/b" -w '%{http_code}' "$URL/v1/projects/physics-lab/instances")
[ "$code" = 401 ] || fail "no token: $code"
jq -e '.error.status == "UNAUTHENTICATED" and .error.errors[0].reason == "authError"' \
    "$EMU_TMP/b" >/dev/null || fail "401 body"
code=$(curl -s -o /dev/null -w '%{http_code}' -H 'Authorization: Bearer nope' \
    "$URL/v1/projects/physics-lab/instances")
[ "$code" = 401 ] || fail "bad token: $code"
[ "$(stats | jq .auth_failures)" = 2 ] || fail "auth_failures"
api GET /v1/projects/physics-lab/instances >/dev/null
expect_status 200 "static token"

# Metadata server.
code=$(curl -s -o /dev/null -w '%{http_code}' "$URL/computeMetadata/v1/project/project-id")
[ "$code" = 403 ] || fail "metadata without flavor: $code"
code=$(curl -s -o /dev/null -w '%{http_code}' -H 'Metadata-Flavor: Google' \
    -H 'X-Forwarded-For: 1.2.3.4' "$URL/computeMetadata/v1/project/project-id")
[ "$code" = 403 ] || fail "metadata with X-Forwarded-For: $code"
pid=$(curl -s -D "$EMU_TMP/h" -H 'Metadata-Flavor: Google' "$URL/computeMetadata/v1/project/project-id")
[ -n "$pid" ] || fail "project-id empty"
grep -qi '^Metadata-Flavor: Google' "$EMU_TMP/h" || fail "reply lacks Metadata-Flavor"
curl -s -H 'Metadata-Flavor: Google' \
    "$URL/computeMetadata/v1/instance/service-accounts/default/token" >"$EMU_TMP/t1"
jq -e '.token_type == "Bearer" and .expires_in > 3000' "$EMU_TMP/t1" >/dev/null || fail "meta token"
curl -s -H 'Metadata-Flavor: Google' \
    "$URL/computeMetadata/v1/instance/service-accounts/default/token" >"$EMU_TMP/t2"
[ "$(jq -r .access_token "$EMU_TMP/t1")" = "$(jq -r .access_token "$EMU_TMP/t2")" ] ||
    fail "metadata token not cached"
mt=$(jq -r .access_token "$EMU_TMP/t1")
code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $mt" \
    "$URL/v1/projects/physics-lab/instances")
[ "$code" = 200 ] || fail "metadata token refused: $code"

# JWT-bearer grant signed with the generated key.
b64url() { openssl base64 -A | tr '+/' '-_' | tr -d '='; }
now=$(date +%s)
hdr=$(printf '{"alg":"RS256","typ":"JWT","kid":"k1"}' | b64url)
cl=$(printf '{"iss":"sa@p.iam.gserviceaccount.com","scope":"https://www.googleapis.com/auth/cloud-platform","aud":"https://oauth2.googleapis.com/token","iat":%s,"exp":%s}' \
    "$now" "$((now + 3600))" | b64url)
sig=$(printf '%s.%s' "$hdr" "$cl" | openssl dgst -sha256 -sign "$EMU_TMP/sa.pem" -binary | b64url)
jwt="$hdr.$cl.$sig"
curl -s -o "$EMU_TMP/g" -w '%{http_code}' -X POST "$URL/token" \
    --data-urlencode 'grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer' \
    --data-urlencode "assertion=$jwt" >"$EMU_TMP/status"
expect_status 200 "jwt grant"
tok=$(jq -r .access_token "$EMU_TMP/g")
code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $tok" \
    "$URL/v3/projects/physics-lab")
[ "$code" = 200 ] || fail "granted token refused: $code"
# Tampered claims: signature no longer matches.
cl2=$(printf '{"iss":"evil@p.iam.gserviceaccount.com","scope":"x","iat":%s,"exp":%s}' \
    "$now" "$((now + 3600))" | b64url)
curl -s -o "$EMU_TMP/g" -w '%{http_code}' -X POST "$URL/token" \
    --data-urlencode 'grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer' \
    --data-urlencode "assertion=$hdr.$cl2.$sig" >"$EMU_TMP/status"
expect_status 400 "tampered jwt"
jq -e '.error == "invalid_grant" and .error_description == "Invalid JWT Signature."' \
    "$EMU_TMP/g" >/dev/null || fail "tampered jwt body: $(cat "$EMU_TMP/g")"

# Refresh grant.
curl -s -o "$EMU_TMP/g" -w '%{http_code}' -X POST "$URL/token" \
    -d grant_type=refresh_token -d client_id=c -d client_secret=s \
    -d refresh_token=rt-good >"$EMU_TMP/status"
expect_status 200 "refresh grant"
jq -e '.access_token and .expires_in > 0' "$EMU_TMP/g" >/dev/null || fail "refresh body"
curl -s -o "$EMU_TMP/g" -w '%{http_code}' -X POST "$URL/token" \
    -d grant_type=refresh_token -d client_id=c -d client_secret=s \
    -d refresh_token=rt-bad >"$EMU_TMP/status"
expect_status 400 "bad refresh token"
jq -e '.error == "invalid_grant"' "$EMU_TMP/g" >/dev/null || fail "bad refresh body"
echo "auth ok"
