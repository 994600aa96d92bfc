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
  /^kubeconfig([-_.].*)?$/, // kubeconfig, kubeconfig.yaml, kubeconfig-prod
  /^api[-_]?keys?(\.[a-z0-9]+)?$/, // api_key.txt, apikey, api-keys.json
  /^(access[-_]?|auth[-_]?|refresh[-_]?|oauth[-_]?|bearer[-_]?)?tokens?\.(json|txt|ya?ml)$/, // token.json, access_token.txt
  /service[-_]?account.*\.json$/, // my-project-service-account-key.json
  /adminsdk.*\.json$/, // firebase-adminsdk-xyz.json
  /^aws[-_.]?credentials([-_.].*)?$/, // aws_credentials
];

/** Credential files known by their folder as well as their name (`.kube/config`, `.docker/config.json`). */
const SECRET_PATH_SUFFIXES: readonly string[] = ['.kube/config', '.docker/config.json', '.aws/config', '.aws/credentials', '.ssh/config'];

/**
 * Whether a file's name (or workspace-relative path) marks it as a likely secret (`.env*`, `*.pem`,
 * `*.key`, `id_rsa*`, credential and token files, `.kube/config`).
 */
export function isLikelySecretFile(fileNameOrPath: string): boolean {
  const lower = fileNameOrPath.toLowerCase().replace(/\\/g, '/');
  const name = lower.slice(lower.lastIndexOf('/') + 1);
  if (SECRET_PATH_SUFFIXES.some((suffix) => lower === suffix || lower.endsWith(`/${suffix}`))) return true;
  return SECRET_NAME_PATTERNS.some((pattern) => pattern.test(name));
}
