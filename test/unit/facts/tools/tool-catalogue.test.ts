import { describe, expect, it } from 'vitest';
import {
  COMPILER_CATALOGUE,
  isBinDir,
  PACKAGE_MANAGER_CATALOGUE,
  SHELL_CATALOGUE,
  ToolNames,
  toolsForPackage,
} from '../../../../src/facts/tools/tool-catalogue.js';

describe('tool catalogue', () => {
  const compilers = new ToolNames(COMPILER_CATALOGUE);

  it.each([
    ['gcc', 'gcc'],
    ['gcc-12', 'gcc'],
    ['x86_64-linux-gnu-gcc-12', 'gcc'],
    ['x86_64-alpine-linux-musl-gcc', 'gcc'],
    ['aarch64-linux-gnu-ld.bfd', 'ld'],
    ['ld.gold', 'ld.gold'],
    ['clang++-16', 'clang++'],
    ['automake-1.16', 'automake'],
    ['ninja-build', 'ninja'],
    ['pkgconf', 'pkg-config'],
  ])('matches %s as %s', (file, tool) => {
    expect(compilers.match(file)?.name).toBe(tool);
  });

  it.each([
    'cc1',
    'ld-linux-x86-64.so.2',
    'gcc-ar-12',
    'x86_64-linux-gnu-gcc-ar',
    'build-essential',
    'dev-headers',
    'python3.11',
    'asm',
  ])('does not match %s', (file) => {
    expect(compilers.match(file)).toBeUndefined();
  });

  it('matches versioned package managers and shell aliases', () => {
    expect(new ToolNames(PACKAGE_MANAGER_CATALOGUE).match('pip3.11')?.name).toBe('pip');
    expect(new ToolNames(PACKAGE_MANAGER_CATALOGUE).match('yarnpkg')?.name).toBe('yarn');
    expect(new ToolNames(SHELL_CATALOGUE).match('bsd-csh')?.name).toBe('csh');
  });

  it.each([
    ['usr/bin', true],
    ['bin', true],
    ['usr/local/sbin', true],
    ['usr/local/go/bin', true],
    ['usr/lib/go-1.19/bin', true],
    ['usr/lib/jvm/java-17-openjdk-amd64/bin', true],
    ['root/.cargo/bin', true],
    ['opt/conda/bin', true],
    ['app/node_modules/.bin', true],
    ['app/node_modules/@scope/pkg/bin', true],
    ['app/.venv/bin', true],
    ['usr/share/doc', false],
    ['usr/lib/gcc/x86_64-linux-gnu/12', false],
    ['srv', false],
    ['opt', false],
  ])('isBinDir(%s) is %s', (dir, expected) => {
    expect(isBinDir(dir)).toBe(expected);
  });

  it('maps packages to tools per ecosystem', () => {
    expect(toolsForPackage(COMPILER_CATALOGUE, 'dpkg', 'gcc-12')).toEqual(['gcc']);
    expect(toolsForPackage(COMPILER_CATALOGUE, 'rpm', 'gcc-c++')).toEqual(['g++']);
    expect(toolsForPackage(COMPILER_CATALOGUE, 'dpkg', 'binutils-x86-64-linux-gnu')).toEqual(['ld', 'as']);
    expect(toolsForPackage(COMPILER_CATALOGUE, 'dpkg', 'openjdk-17-jdk-headless')).toEqual(['javac']);
    expect(toolsForPackage(COMPILER_CATALOGUE, 'dpkg', 'openjdk-17-jre-headless')).toEqual([]);
    expect(toolsForPackage(COMPILER_CATALOGUE, 'rpm', 'java-17-openjdk-devel')).toEqual(['javac']);
    expect(toolsForPackage(COMPILER_CATALOGUE, 'dpkg', 'libssl-dev')).toEqual(['dev-headers']);
    expect(toolsForPackage(COMPILER_CATALOGUE, 'rpm', 'libssl-dev')).toEqual([]);
    expect(toolsForPackage(COMPILER_CATALOGUE, 'rpm', 'openssl-devel')).toEqual(['dev-headers']);
    expect(toolsForPackage(COMPILER_CATALOGUE, 'npm', 'typescript')).toEqual(['tsc']);
    expect(toolsForPackage(COMPILER_CATALOGUE, 'dpkg', 'golang-1.19-go')).toEqual(['go']);
    expect(toolsForPackage(COMPILER_CATALOGUE, 'dpkg', 'golang-1.19-src')).toEqual([]);
    expect(toolsForPackage(SHELL_CATALOGUE, 'apk', 'busybox-binsh')).toEqual(['sh']);
    expect(toolsForPackage(PACKAGE_MANAGER_CATALOGUE, 'dpkg', 'python3-pip')).toEqual(['pip', 'pip3']);
    expect(toolsForPackage(PACKAGE_MANAGER_CATALOGUE, 'apk', 'apk-tools')).toEqual(['apk']);
  });
});
