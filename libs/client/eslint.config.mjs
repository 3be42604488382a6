import baseConfig, { libraryRules } from '../../eslint.config.mjs';

export default [...baseConfig, ...libraryRules];
