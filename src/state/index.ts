/**
 * Single-use state tokens and the helpers built on them: OAuth state with PKCE, CSRF tokens,
 * magic links.
 * @module
 */

export type {
  CsrfSession,
  CsrfSessionLike,
  DoubleSubmitCheck,
  DoubleSubmitCsrfOptions,
} from './csrf.js'
export { CSRF_SESSION_KEY, csrfToken, DoubleSubmitCsrf, verifyCsrf } from './csrf.js'
export type { MagicLink, MagicLinkOptions } from './magic-link.js'
export { consumeMagicLink, issueMagicLink, MAGIC_LINK_PURPOSE } from './magic-link.js'
export type {
  ConsumeOAuthStateOptions,
  CreateOAuthStateOptions,
  OAuthAuthorization,
  OAuthCallbackState,
} from './oauth.js'
export { consumeOAuthState, createOAuthState, pkceChallenge } from './oauth.js'
export { isLocalPath } from './return-path.js'
export type { IssueOptions, StatePayload, StateTokensOptions } from './tokens.js'
export { StateTokens } from './tokens.js'
