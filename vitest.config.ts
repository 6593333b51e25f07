import { configDefaults, defineConfig } from 'vitest/config'

// Two projects: the main suite runs its files in parallel; the reliability suite (faults, soak,
// load, hostile input) runs one file at a time so that its timing bounds and load figures are
// not distorted by the rest of the suite competing for the same two cores.
export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 30_000,
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
          exclude: [...configDefaults.exclude, 'test/reliability/**'],
        },
      },
      {
        extends: true,
        test: {
          name: 'reliability',
          include: ['test/reliability/**/*.test.ts'],
          fileParallelism: false,
          testTimeout: 120_000,
          hookTimeout: 60_000,
        },
      },
    ],
  },
})
