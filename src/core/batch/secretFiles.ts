/**
 * Names of files that commonly hold credentials. Matched against the base name, case-insensitively.
 * A match is only "likely": the user may confirm each file, but nothing matching is sent silently.
 */
const SECRET_NAME_PATTERNS: readonly RegExp[] = [
  /^\.env($|\.)/, // .env, .env.local, .env.production ...
  /\.env$/, // production.env
  /\.(pem|key|p12|pfx|jks|keystore|kdbx|ppk|asc|gpg)$/,
  /^id_(rsa|dsa|ecdsa|ed25519)/, // id_rsa, id_rsa.pub, id_ed25519 ...
  /^credentials(\.[a-z0-9]+)?$/, // credentials, credentials.json, credentials.yml
  /^(.*[-_.])?credentials?\.(json|ya?ml|xml|ini|toml|cfg)$/,
  /^(client_secrets?|service[-_]account.*)\.json$/,
  /^secrets?(\.[a-z0-9]+)?$/, // secrets.json, secret.yaml
  /^\.(npmrc|netrc|pypirc|pgpass|git-credentials|htpasswd|dockercfg|s3cfg)$/,
  /^_netrc$/,
  /^\.?terraform\.tfstate(\.backup)?$/,
];

/** Whether a file's name marks it as a likely secret (`.env*`, `*.pem`, `*.key`, `id_rsa*`, credential files). */
export function isLikelySecretFile(fileName: string): boolean {
  const name = fileName.toLowerCase();
  return SECRET_NAME_PATTERNS.some((pattern) => pattern.test(name));
}
