export { colourImage, pngClaimingSize, TEST_COLOURS, type ColourImageOptions, type ImageFormat } from './test-images.js';
