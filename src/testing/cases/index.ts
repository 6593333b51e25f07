import type { CaseDefinition } from '../types.js'
import { basicCases } from './basics.js'
import { byUserCases } from './by-user.js'
import { cleanupCases } from './cleanup.js'
import { concurrencyCases } from './concurrency.js'
import { destroyCases } from './destroy.js'
import { expiryCases } from './expiry.js'
import { iterateCases } from './iterate.js'
import { keyCases } from './keys.js'
import { patchCases } from './patch.js'
import { requiredExpiryCases } from './required-expiry.js'
import { tokenCases } from './tokens.js'
import { touchCases } from './touch.js'
import { valueCases } from './values.js'

/** Every case definition, required contract first, then the capabilities. */
export const caseDefinitions: readonly CaseDefinition[] = [
  ...basicCases,
  ...expiryCases,
  ...patchCases,
  ...touchCases,
  ...destroyCases,
  ...concurrencyCases,
  ...requiredExpiryCases,
  ...keyCases,
  ...valueCases,
  ...byUserCases,
  ...cleanupCases,
  ...iterateCases,
  ...tokenCases,
]
