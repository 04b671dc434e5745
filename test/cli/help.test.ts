/**
 * `fa-lab NAME --help` prints that command's usage and does nothing else, for every command:
 * `runs --help` once answered "Unknown option '--help'" and `build --help` started a build.
 */
import { describe, expect, it, vi } from 'vitest'
import { commandList, main } from '../../src-main/cli/main'

describe('fa-lab NAME --help', () => {
  it('prints the usage of every command, whose first line carries its synopsis, exit 0, and runs nothing', async () => {
    const commands = await commandList()
    expect(commands.length).toBeGreaterThan(10)
    for (const { name, command } of commands) {
      for (const flag of ['--help', '-h']) {
        const printed: string[] = []
        const log = vi.spyOn(console, 'log').mockImplementation((text: string) => void printed.push(text))
        const error = vi.spyOn(console, 'error').mockImplementation((text: string) => void printed.push(`stderr: ${text}`))
        try {
          expect(await main([name, flag]), `${name} ${flag}`).toBe(0)
        } finally {
          log.mockRestore()
          error.mockRestore()
        }
        expect(printed, `${name} ${flag} prints its help alone`).toHaveLength(1)
        expect(printed[0]).toMatch(new RegExp(`^usage: fa-lab ${name}\\b`))
        // the usage line is the synopsis where help is one form; run, figure and datasets list several forms
        if (!['run', 'figure', 'datasets'].includes(name)) expect(printed[0].split('\n')[0]).toBe(`usage: fa-lab ${name}${command.synopsis ? ` ${command.synopsis}` : ''}`)
      }
    }
  })
})
