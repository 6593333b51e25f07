import { describe, expect, it } from 'vitest'
import { readSealedCookies } from './sealed.js'

describe('readSealedCookies', () => {
  it('joins the chunks the server sent', () => {
    expect(readSealedCookies('sid=2~ab; sid.1=cd', 'sid', 4)).toEqual({ value: 'abcd', chunks: 2 })
    expect(readSealedCookies('sid=abcd', 'sid', 1)).toEqual({ value: 'abcd', chunks: 1 })
  })

  it('refuses more chunks than maxChunks before anything is joined or unsealed', () => {
    const header = ['sid=5~a', 'sid.1=b', 'sid.2=c', 'sid.3=d', 'sid.4=e'].join('; ')
    expect(readSealedCookies(header, 'sid', 4)).toEqual({ value: null, chunks: 5 })
    expect(readSealedCookies(header, 'sid', 5).value).toBe('abcde')
  })

  it('refuses a cookie or a chunk longer than a browser keeps', () => {
    const long = 'a'.repeat(4097)
    expect(readSealedCookies(`sid=${long}`, 'sid', 4).value).toBeNull()
    expect(readSealedCookies(`sid=2~a; sid.1=${long}`, 'sid', 4).value).toBeNull()
    expect(readSealedCookies(`sid=2~a; sid.1=${'b'.repeat(4096)}`, 'sid', 4).value).toHaveLength(
      4097,
    )
  })
})
