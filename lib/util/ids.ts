// Container ids (64 hex digits) and podman-style random adjective_noun names.
import { randomBytes } from './builtins.js';

export function newId(): string {
  return randomBytes(32).toString('hex');
}

const adjectives = ['admiring', 'brave', 'busy', 'clever', 'dazzling', 'eager', 'elegant', 'festive', 'gallant',
  'gifted', 'happy', 'hopeful', 'jolly', 'keen', 'kind', 'lucid', 'modest', 'nifty', 'optimistic', 'peaceful',
  'practical', 'quirky', 'relaxed', 'serene', 'sharp', 'stoic', 'tender', 'upbeat', 'vibrant', 'wizardly', 'zealous'];
const nouns = ['albattani', 'babbage', 'bohr', 'curie', 'darwin', 'euclid', 'fermat', 'galileo', 'hopper',
  'hypatia', 'johnson', 'kepler', 'lovelace', 'meitner', 'newton', 'noether', 'pascal', 'ritchie', 'shannon',
  'thompson', 'turing', 'volta', 'wozniak'];

export function randomName(taken: (name: string) => boolean): string {
  for (;;) {
    const b = randomBytes(2);
    const name = `${adjectives[b[0]! % adjectives.length]}_${nouns[b[1]! % nouns.length]}`;
    if (!taken(name)) return name;
  }
}
