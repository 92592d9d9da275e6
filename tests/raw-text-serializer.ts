// Jest snapshot serializer for RawText (configured in jest.config.ts).
import { RawText } from './raw-text';

export = {
  test: (v: unknown): boolean => v instanceof RawText,
  serialize: (v: RawText): string => v.text,
};
